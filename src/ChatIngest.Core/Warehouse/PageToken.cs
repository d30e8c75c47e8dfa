using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace ChatIngest.Core.Warehouse;

/// <summary>
/// Opaque keyset page tokens. They hold the last row's key only, so any instance can continue any client's paging
/// (the service is stateless) and pages stay stable while rows stream in.
/// </summary>
public static class PageToken
{
    public static string ForConversation(long lastOrderId) => Encode($"c1:{lastOrderId.ToString(CultureInfo.InvariantCulture)}");

    public static string ForDeadLetter(DeadLetterRow last) =>
        Encode($"d1:{last.ReceivedAt.Ticks.ToString(CultureInfo.InvariantCulture)}:{last.MessageId}");

    public static bool TryReadConversation(string token, out long lastOrderId)
    {
        lastOrderId = 0;
        return Decode(token) is { } text && text.StartsWith("c1:", StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out lastOrderId);
    }

    public static bool TryReadDeadLetter(string token, out DeadLetterPosition last)
    {
        last = default;
        if (Decode(token) is not { } text || !text.StartsWith("d1:", StringComparison.Ordinal))
        {
            return false;
        }

        var colon = text.IndexOf(':', 3);
        if (colon < 0 || !long.TryParse(text.AsSpan(3, colon - 3), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        last = new DeadLetterPosition(new DateTime(ticks, DateTimeKind.Utc), text[(colon + 1)..]);
        return true;
    }

    private static string Encode(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Longer than any token this service gives: a dead letter's is ~1,060 characters at most (a message id of
    /// 256 UTF-16 characters of three UTF-8 bytes each, in base64url).
    /// </summary>
    private const int MaxTokenLength = 2048;

    private static string? Decode(string token)
    {
        if (token.Length > MaxTokenLength)
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
