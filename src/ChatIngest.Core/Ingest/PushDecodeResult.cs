using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Ingest;

/// <summary>Either the classified record of a push, or why the body is not a usable push envelope.</summary>
public readonly record struct PushDecodeResult(IngestRecord? Record, string? Problem)
{
    public static PushDecodeResult Fail(string problem) => new(null, problem);
}
