namespace ChatIngest.Cli.Progress;

/// <summary>
/// The SOURCE lines one send carried: a line (replay) or a batch from its first to its last line (publish; a line
/// between them that failed alone, or was blank, is not in it), and how many messages that is. <paramref name="Refused"/>:
/// the lines between them that were refused for themselves, in order (a publish batch's), not to be named to send again.
/// </summary>
internal readonly record struct SentLines(long First, long Last, long Count, IReadOnlyList<long>? Refused = null)
{
    public static SentLines One(long line) => new(line, line, 1);
}
