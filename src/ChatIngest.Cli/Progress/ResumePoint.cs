namespace ChatIngest.Cli.Progress;

/// <summary>
/// Where a stopped run can go on without losing a line: the first SOURCE line read but not settled (a line that failed
/// for want of an answer included: it too must go again), or, when every line read was settled, the line after the last
/// one read. A line is settled once acknowledged, or once refused for itself (too long, not base64, a 400): sending it
/// again cannot help, so going on from it would only send the lines after it twice.
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

    public void Done(SentLines lines, bool settled)
    {
        lock (gate)
        {
            open.GetViewBetween(lines.First, lines.Last).Clear();

            if (!settled)
            {
                firstFailed = Math.Min(firstFailed, lines.First);
            }
        }
    }
}
