namespace ChatIngest.Cli.Progress;

/// <summary>
/// Where a stopped run can go on without losing a line: the first SOURCE line read but not acknowledged (a failed line
/// included: it too must go again), or, when every line read was acknowledged, the line after the last one read.
/// Replay acknowledges lines out of order, several being in flight, so the lines still open are kept — no more than
/// the deliveries in flight, or one batch — with only the first failure.
/// </summary>
internal sealed class ResumePoint(long fromLine)
{
    private readonly Lock gate = new();
    private readonly SortedSet<long> open = [];
    private long next = fromLine;
    private long firstFailed = long.MaxValue;

    public long Line
    {
        get
        {
            lock (gate)
            {
                return Math.Min(firstFailed, open.Count > 0 ? open.Min : next);
            }
        }
    }

    public void Read(long line)
    {
        lock (gate)
        {
            open.Add(line);
            next = line + 1;
        }
    }

    public void Done(SentLines lines, bool acknowledged)
    {
        lock (gate)
        {
            open.GetViewBetween(lines.First, lines.Last).Clear();

            if (!acknowledged)
            {
                firstFailed = Math.Min(firstFailed, lines.First);
            }
        }
    }
}
