namespace ChatIngest.Cli.Progress;

/// <summary>
/// Where a stopped run can go on without losing a line: the first SOURCE line read but not settled (a line that failed
/// for want of an answer included: it too must go again), or, when every line read was settled, the line after the last
/// one read. A line is settled once acknowledged, or once refused for itself (too long, not base64, a 400): sending it
/// again cannot help, so going on from it would only send the lines after it twice.
/// Replay acknowledges lines out of order, several being in flight, so the lines still open are kept — no more than
/// the deliveries in flight, or one batch — and the lines that failed for want of an answer, to be named at the end:
/// one range per failed delivery (about 16 bytes), joined only when they are named. A line refused for itself inside a
/// failed batch's range (a publish batch skips it) is left out of that range, so it is not named to send again: the
/// refused lines are kept while a range still open could hold them, no longer.
/// </summary>
internal sealed class ResumePoint(long fromLine)
{
    private readonly Lock gate = new();
    private readonly SortedSet<long> open = [];
    private readonly List<(long First, long Last)> undelivered = [];
    private readonly SortedSet<long> refused = [];
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

    /// <summary>Lines acknowledged: settled, and nothing to name.</summary>
    public void Acknowledged(SentLines lines)
    {
        lock (gate)
        {
            Close(lines);
            Prune();
        }
    }

    /// <summary>Lines refused for themselves: settled, and never named to send again, even inside a failed batch's range.</summary>
    public void Refused(SentLines lines)
    {
        lock (gate)
        {
            Close(lines);
            for (var line = lines.First; line <= lines.Last; line++)
            {
                refused.Add(line);
            }

            Prune();
        }
    }

    /// <summary>Lines that failed for want of an answer: to send again, less any line in their range refused for itself.</summary>
    public void Unanswered(SentLines lines)
    {
        lock (gate)
        {
            Close(lines);
            var first = lines.First;
            foreach (var skipped in refused.GetViewBetween(lines.First, lines.Last))
            {
                if (skipped > first)
                {
                    undelivered.Add((first, skipped - 1));
                }

                first = skipped + 1;
            }

            if (first <= lines.Last)
            {
                undelivered.Add((first, lines.Last));
            }

            Prune();
        }
    }

    private void Close(SentLines lines) => open.GetViewBetween(lines.First, lines.Last).Clear();

    // A range still to settle starts at a line still open (or at one not read yet), so refused lines below the lowest
    // of those can fall in no range any more.
    private void Prune()
    {
        var floor = open.Count > 0 ? open.Min : next;
        while (refused.Count > 0 && refused.Min < floor)
        {
            refused.Remove(refused.Min);
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
