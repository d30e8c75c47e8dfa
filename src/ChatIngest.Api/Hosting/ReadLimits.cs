using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using ChatIngest.Core.Ingest;
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

    [Range(1, 1024)]
    public int MaxConcurrent { get; set; } = Environment.ProcessorCount;

    [Range(0, 100_000)]
    public int MaxQueued { get; set; } = 64;
}

/// <summary>The read endpoints' concurrency limit (<see cref="ReadOptions"/>): past it and its queue, 503 with <c>Retry-After</c>.</summary>
internal static class ReadLimits
{
    private const string Policy = "reads";

    public static IServiceCollection AddReadLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReadOptions>().Bind(configuration.GetSection(ReadOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(Policy, http =>
            {
                var reads = http.RequestServices.GetRequiredService<IOptions<ReadOptions>>().Value;
                return RateLimitPartition.GetConcurrencyLimiter("warehouse", _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = reads.MaxConcurrent,
                    QueueLimit = reads.MaxQueued,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
            });
            o.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var reads = http.RequestServices.GetRequiredService<IOptions<ReadOptions>>().Value;
                Problems.SetRetryAfter(http, http.RequestServices.GetRequiredService<IOptions<IngestOptions>>());
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status503ServiceUnavailable,
                        Title = "Too many reads at once; try again shortly.",
                        Detail = string.Create(CultureInfo.InvariantCulture,
                            $"{reads.MaxConcurrent} reads are running and {reads.MaxQueued} waiting (Reads__MaxConcurrent, Reads__MaxQueued). Pushes are not affected."),
                    },
                });
            };
        });
        return services;
    }

    /// <summary>Puts an endpoint or group under the read limit.</summary>
    public static TBuilder RequireReadLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.RequireRateLimiting(Policy);
}
