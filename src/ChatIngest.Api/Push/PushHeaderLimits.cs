namespace ChatIngest.Api.Push;

/// <summary>
/// The request headers an unwrapped push with metadata may carry: Pub/Sub's own (metadata, authorization, tracing) and
/// one per attribute of its message, at most 100 attributes of a 256-byte key and a 1,024-byte value.
/// </summary>
internal static class PushHeaderLimits
{
    public const int Attributes = 100;

    public const int AttributeBytes = 256 + 1024 + 4; // key, value, ": " and the line's end

    /// <summary>The attributes and as many headers again for the rest.</summary>
    public const int Count = 2 * Attributes;

    /// <summary>The attributes and 64 KiB for the rest (an OIDC token is ~1 KB).</summary>
    public const int TotalBytes = (Attributes * AttributeBytes) + (64 * 1024);
}
