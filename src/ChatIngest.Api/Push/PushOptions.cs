using System.ComponentModel.DataAnnotations;

namespace ChatIngest.Api.Push;

/// <summary>The <c>Push</c> configuration section: how big a push body may be and how long a push may wait.</summary>
internal sealed class PushOptions
{
    public const string SectionName = "Push";

    /// <summary>
    /// The largest envelope taken (413 above it). A Pub/Sub message is at most 10 MB including attributes; base64 makes
    /// 10 MiB of data 13.4 MiB, and the envelope's own fields fit in what is left of 14 MiB.
    /// </summary>
    [Range(1024, 256L * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 14L * 1024 * 1024;

    /// <summary>
    /// The longest a push waits for its commit before answering 503: inside Pub/Sub's ack deadline (10 s by default),
    /// so Pub/Sub hears a nack from us rather than timing out on its own.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(8);
}
