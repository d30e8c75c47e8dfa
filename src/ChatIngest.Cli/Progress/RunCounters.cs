using System.Globalization;
using ChatIngest.Cli.Sources;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Progress;

/// <summary>
/// What a delivery run has done so far, updated from many concurrent senders (hence Interlocked), read by the display.
/// "Retries" counts extra attempts (a message, or a publish request, sent again after a failure). Every failure's
/// problem is counted; the first <see cref="ProblemsShown"/> are kept to be listed, so the output stays readable.
/// Lines before <paramref name="fromLine"/> (<c>--from-line</c>) are skipped.
/// </summary>
internal sealed class RunCounters(long fromLine = 1)
{
    public const int ProblemsShown = 10;

    private readonly Lock gate = new();
    private readonly List<string> problems = [];
    private readonly long fromLine = fromLine;
    private readonly ResumePoint resume = new(fromLine);
    private long read;
    private long sent;
    private long acknowledged;
    private long retries;
    private long failed;
    private long notSent;
    private long bytesDone;
    private long problemsNotShown;
    private string? stopReason;

    public long? TotalBytes { get; set; }
    public long Read => Volatile.Read(ref read);
    public long Sent => Volatile.Read(ref sent);
    public long Acknowledged => Volatile.Read(ref acknowledged);
    public long Retries => Volatile.Read(ref retries);
    public long Failed => Volatile.Read(ref failed);

    /// <summary>Failed lines no request could carry, so never sent (counted in <see cref="Failed"/> too).</summary>
    public long NotSent => Volatile.Read(ref notSent);

    /// <summary>Why the run stopped before the end of SOURCE (the first reason given), or null.</summary>
    public string? StopReason => Volatile.Read(ref stopReason);

    /// <summary>Sent but neither acknowledged nor failed: in flight when the run stopped.</summary>
    public long Unconfirmed => Sent - Acknowledged - (Failed - NotSent);

    /// <summary>The line to give <c>--from-line</c> to go on from where the run is now (<see cref="ResumePoint"/>).</summary>
    public long ResumeLine => resume.Line;

    /// <summary>
    /// Counts a line the source gave. False when it is not to be sent: a line before <c>--from-line</c> (its bytes
    /// count as done, for the ETA) or one over <see cref="NdjsonLines.MaxLineBytes"/>, which no message can carry
    /// (read, and failed with its number).
    /// </summary>
    public bool Take(NdjsonLine line)
    {
        if (line.Number < fromLine)
        {
            AddBytesDone(line.SourceBytes);
            return false;
        }

        Interlocked.Increment(ref read);
        resume.Read(line.Number);
        if (line.TooLong)
        {
            FailUnsent(line, string.Create(CultureInfo.InvariantCulture,
                $"line {line.Number} is longer than {NdjsonLines.MaxLineBytes:N0} bytes, more than a Pub/Sub message holds; not sent"));
            return false;
        }

        return true;
    }

    public void AddSent(long n = 1) => Interlocked.Add(ref sent, n);

    public void AddAcknowledged(SentLines lines)
    {
        Interlocked.Add(ref acknowledged, lines.Count);
        resume.Done(lines, settled: true);
    }

    public void AddRetry() => Interlocked.Increment(ref retries);
    public void AddBytesDone(long n) => Interlocked.Add(ref bytesDone, n);

    /// <summary>
    /// Counts failed messages; <paramref name="problem"/> is null when the stop reason says why. <paramref name="refused"/>:
    /// the line itself was refused (too long, not base64, a 400), so it is not among those to send again.
    /// </summary>
    public void AddFailed(SentLines lines, string? problem, bool refused = false)
    {
        Interlocked.Add(ref failed, lines.Count);
        resume.Done(lines, settled: refused);

        if (problem is null)
        {
            return;
        }

        lock (gate)
        {
            if (problems.Count < ProblemsShown)
            {
                problems.Add(problem);
            }
            else
            {
                problemsNotShown++;
            }
        }
    }

    /// <summary>A line no request can carry: it counts as failed and not sent, and the run goes on.</summary>
    public void FailUnsent(NdjsonLine line, string problem)
    {
        Interlocked.Increment(ref notSent);
        AddFailed(SentLines.One(line.Number), problem, refused: true);
        AddBytesDone(line.SourceBytes);
    }

    public void Stop(string reason) => Interlocked.CompareExchange(ref stopReason, reason, null);

    /// <summary>The failures' problems in the order they came (at most <see cref="ProblemsShown"/>), and how many more there were.</summary>
    public (IReadOnlyList<string> Shown, long More) Problems()
    {
        lock (gate)
        {
            return ([.. problems], problemsNotShown);
        }
    }

    /// <summary>The lines to send again (<see cref="ResumePoint.Undelivered"/>).</summary>
    public IReadOnlyList<(long First, long Last)> Undelivered() => resume.Undelivered();

    public ProgressReading Reading() => new(Sent, "msgs", Volatile.Read(ref bytesDone), TotalBytes,
        string.Create(CultureInfo.InvariantCulture, $"acknowledged {Acknowledged:N0}, retries {Retries:N0}, failed {Failed:N0}"));

    public string Summary(string command) => string.Create(CultureInfo.InvariantCulture,
        $"{command}: read {Read:N0} lines; sent {Sent:N0}, acknowledged {Acknowledged:N0}, retried {Retries:N0}, failed {Failed:N0}{(NotSent > 0 ? $" ({NotSent:N0} not sent)" : "")}{(Unconfirmed > 0 ? $", unconfirmed {Unconfirmed:N0}" : "")}");
}
