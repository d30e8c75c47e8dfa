using System.ComponentModel.DataAnnotations;
using System.Globalization;
using ChatIngest.Core;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Warehouse;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// The <c>Reads</c> configuration section: how many reads of the warehouse (<c>/conversations</c>, <c>/stats</c>,
/// <c>/dead-letters</c>) run at once, and how many more may wait. A read holds a thread and the warehouse's CPU for as
/// long as its query runs (a <c>/stats</c> over a large view, seconds): unbounded, a burst of them starved the pushes.
/// </summary>
internal sealed class ReadOptions
{
    public const string SectionName = "Reads";

    /// <summary>Unset: one per core on DuckDB, whose queries hold a thread and the CPU; <see cref="BigQueryDefault"/> on BigQuery.</summary>
    [Range(1, 1024)]
    public int? MaxConcurrent { get; set; }

    /// <summary>
    /// BigQuery's reads by default: a read there waits on HTTP without a thread, so one per core (one on Cloud Run's
    /// single CPU) made a dashboard's /stats hold up every other read of the instance for as long as its query ran.
    /// </summary>
    public const int BigQueryDefault = 16;

    [Range(0, 100_000)]
    public int MaxQueued { get; set; } = 64;
}

/// <summary>The read endpoints' concurrency limit (<see cref="ReadOptions"/>): past it and its queue, 503 with <c>Retry-After</c>.</summary>
internal static class ReadLimits
{
    private const string Policy = "reads";

    public static IServiceCollection AddReadLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<ReadOptions>(configuration, ReadOptions.SectionName);
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ReadOptions>, IOptions<IngestOptions>, IOptions<WarehouseOptions>>((o, readOptions, ingest, warehouse) =>
        {
            var reads = readOptions.Value;
            var running = reads.MaxConcurrent ?? (warehouse.Value.IsBigQuery ? ReadOptions.BigQueryDefault : Environment.ProcessorCount);
            o.AddConcurrencyLimiter(Policy, c =>
            {
                c.PermitLimit = running;
                c.QueueLimit = reads.MaxQueued; // served oldest first, the limiter's default
            });
            o.OnRejected = (context, _) => new ValueTask(Problems.Unavailable(context.HttpContext, ingest,
                "Too many reads at once; try again shortly.",
                string.Create(CultureInfo.InvariantCulture,
                    $"{running} reads are running and {reads.MaxQueued} waiting (Reads__MaxConcurrent, Reads__MaxQueued). Pushes are not affected."))
                .ExecuteAsync(context.HttpContext));
        });
        return services;
    }

    /// <summary>Puts an endpoint or group under the read limit.</summary>
    public static TBuilder RequireReadLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.RequireRateLimiting(Policy);
}
