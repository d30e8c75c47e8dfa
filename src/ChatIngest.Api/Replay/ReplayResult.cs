namespace ChatIngest.Api.Replay;

/// <summary>The answer of <c>POST /replay</c>: what the lines turned into.</summary>
internal sealed record ReplayResult(long Received, long Orders, long Messages, long Duplicates, long Invalid);
