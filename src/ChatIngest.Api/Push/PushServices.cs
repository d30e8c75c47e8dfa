using ChatIngest.Core.Ingest;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

/// <summary>What the push handlers use, all singletons: resolved once when the endpoints are mapped, not per push.</summary>
internal sealed record PushServices(
    PushDecoder Decoder,
    IngestQueue Queue,
    IngestMetrics Metrics,
    PushLog Log,
    PushDeadlines Deadlines,
    IOptions<IngestOptions> Ingest,
    IOptions<PushOptions> Push);
