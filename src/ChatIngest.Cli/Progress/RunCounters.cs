using System.Globalization;

namespace ChatIngest.Cli.Progress;

/// <summary>
/// What a delivery run has done so far, updated from many concurrent senders (hence Interlocked), read by the display.
/// "Retries" counts extra attempts (a message, or a publish request, sent again after a failure).
/// </summary>
internal sealed class RunCounters
{
    private long read;
    private long sent;
    private long acknowledged;
    private long retries;
    private long failed;
    private long bytesDone;
    private string? lastProblem;

    public long? TotalBytes { get; set; }
    public long Read => Volatile.Read(ref read);
    public long Sent => Volatile.Read(ref sent);
    public long Acknowledged => Volatile.Read(ref acknowledged);
    public long Retries => Volatile.Read(ref retries);
    public long Failed => Volatile.Read(ref failed);
    public string? LastProblem => Volatile.Read(ref lastProblem);

    /// <summary>Sent but neither acknowledged nor failed: in flight when the run stopped.</summary>
    public long Unconfirmed => Sent - Acknowledged - Failed;

    public void AddRead() => Interlocked.Increment(ref read);
    public void AddSent(long n = 1) => Interlocked.Add(ref sent, n);
    public void AddAcknowledged(long n = 1) => Interlocked.Add(ref acknowledged, n);
    public void AddRetry() => Interlocked.Increment(ref retries);
    public void AddBytesDone(long n) => Interlocked.Add(ref bytesDone, n);

    public void AddFailed(long n, string problem)
    {
        Interlocked.Add(ref failed, n);
        Volatile.Write(ref lastProblem, problem);
    }

    public void NoteProblem(string problem) => Volatile.Write(ref lastProblem, problem);

    public ProgressReading Reading() => new(Sent, "msgs", Volatile.Read(ref bytesDone), TotalBytes,
        string.Create(CultureInfo.InvariantCulture, $"acknowledged {Acknowledged:N0}, retries {Retries:N0}, failed {Failed:N0}"));

    public string Summary(string command) => string.Create(CultureInfo.InvariantCulture,
        $"{command}: read {Read:N0} lines; sent {Sent:N0}, acknowledged {Acknowledged:N0}, retried {Retries:N0}, failed {Failed:N0}{(Unconfirmed > 0 ? $", unconfirmed {Unconfirmed:N0}" : "")}");
}
