namespace ChatIngest.Cli.Progress;

/// <summary>
/// Where a stopped run can go on without losing a line: the first SOURCE line read but not settled (a line that failed
/// for want of an answer included: it too must go again), or, when every line read was settled, the line after the last
/// one read. A line is settled once acknowledged, or once refused for itself (too long, not base64, a 400): sending it
/// again cannot help, so going on from it would only send the lines after it twice.
/// Replay acknowledges lines out of order, several being in flight, so the lines still open are kept — no more than
/// the deliveries in flight, or one batch — and the lines that failed for want of an answer, to be named at the end:
/// a range per failed delivery, split around the lines refused inside a publish batch (about 16 bytes
/// each), joined only when they are named.
/// </summary>
internal sealed class ResumePoint(long fromLine)
{
    private readonly Lock gate = new();
    private readonly SortedSet<long> open = [];
    private readonly List<(long First, long Last)> undelivered = [];
    private long next = fromLine;

    public long Line
    {
        get
        {
            lock (gate)
            {
                var unsettled = open.Count > 0 ? open.Min : next;
                return undelivered.Count > 0 ? Math.Min(unsettled, undelivered.Min(r => r.First)) : unsettled;
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
                // A publish batch's range, less the lines in it that were refused for themselves: they are not to go again.
                var first = lines.First;
                foreach (var refused in lines.Refused ?? [])
                {
                    if (refused > first)
                    {
                        undelivered.Add((first, refused - 1));
                    }

                    first = refused + 1;
                }

                if (first <= lines.Last)
                {
                    undelivered.Add((first, lines.Last));
                }
            }
        }
    }

    /// <summary>
    /// The lines that failed for want of an answer (not those refused for themselves), as ranges of line numbers in
    /// order, neighbours joined: every one of them, however many failures there were, so just those can go again.
    /// </summary>
    public IReadOnlyList<(long First, long Last)> Undelivered()
    {
        lock (gate)
        {
            var joined = new List<(long First, long Last)>();
            foreach (var (first, last) in undelivered.OrderBy(r => r.First))
            {
                if (joined.Count > 0 && first <= joined[^1].Last + 1)
                {
                    joined[^1] = (joined[^1].First, Math.Max(joined[^1].Last, last));
                }
                else
                {
                    joined.Add((first, last));
                }
            }

            return joined;
        }
    }
}
