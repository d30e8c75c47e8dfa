using System.Text.Json;
using ChatIngest.Api.Push;
using ChatIngest.Api.Replay;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.BigQuery;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace ChatIngest.Api.Hosting;

/// <summary>The composition root: what <c>Program.cs</c> adds and uses, in one place.</summary>
internal static partial class ChatIngestHosting
{
    public static WebApplicationBuilder AddChatIngest(this WebApplicationBuilder builder)
    {
        ListenUrls.Configure(builder);
        builder.WebHost.ConfigureKestrel(o =>
        {
            // An unwrapped push from a subscription that writes metadata carries each of its message's attributes as a
            // header: up to 100 (GCP.md §1), keys up to 256 bytes and values up to 1,024 (Pub/Sub's limits), past
            // Kestrel's defaults of 100 headers and 32 KB. Refused with 431, the message would be neither stored nor
            // parked, and Pub/Sub would deliver it again until it expired.
            o.Limits.MaxRequestHeaderCount = PushHeaderLimits.Count;
            o.Limits.MaxRequestHeadersTotalSize = PushHeaderLimits.TotalBytes;
        });
        LogLevels.ThrowIfInvalid(builder.Configuration);
        CloudLoggingFormatter.ThrowIfUnknown(builder.Configuration);
        builder.Logging.AddConsoleFormatter<CloudLoggingFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
        ShutdownTimeout.Configure(builder);
        builder.Services.AddWarehouse(builder.Configuration);
        builder.Services.AddIngest(builder.Configuration);
        builder.Services.AddPush(builder.Configuration);
        builder.Services.AddReplay(builder.Configuration);
        builder.Services.AddReadLimits(builder.Configuration);
        builder.AddChatIngestTelemetry();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            NoSniff.Set(c.HttpContext.Response);

            // Kestrel's refusal says what was wrong with the request ("Bad chunk size data."): the client needs it.
            if (c.Exception is BadHttpRequestException bad)
            {
                c.ProblemDetails.Detail ??= bad.Message;
            }

            // A read the warehouse did not answer in time: as a refused push says it, with when to come back.
            if (c.Exception is WarehouseUnavailableException unavailable)
            {
                c.ProblemDetails.Title = "The warehouse is unavailable; try again shortly.";
                c.ProblemDetails.Detail = unavailable.Message;
                Problems.SetRetryAfter(c.HttpContext, c.HttpContext.RequestServices.GetRequiredService<IOptions<IngestOptions>>());
            }

            // A read BigQuery would bill past its limit: no retry helps, the setting does. No Retry-After, then.
            if (c.Exception is QueryCostLimitException costly)
            {
                c.ProblemDetails.Title = "BigQuery refused the read: it would bill more bytes than allowed.";
                c.ProblemDetails.Detail = costly.Message;
            }
        });
        builder.Services.AddSingleton<IProblemDetailsWriter, ProblemJsonWhateverTheAccept>(); // after ASP.NET Core's own
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new UtcDateTimeConverter());
        });
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new() { Title = "ChatIngest", Version = "v1" });
            o.OperationFilter<DocumentedBodyFilter>();
            o.OperationFilter<QueryParameterSchemaFilter>();
            // On the wire, as PushDataConverter reads and writes it: a base64 string.
            o.MapType<PushData>(() => new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Format = "byte" });
        });
        return builder;
    }

    /// <summary>
    /// Validates every option, checks the listen addresses are free and opens the warehouse before the host starts, so
    /// a bad setting or a taken port ends the process with one line (<see cref="StartupErrors"/>) instead of the host's
    /// failure log. The hosted initializer repeats the open harmlessly; under WebApplicationFactory it is the only one
    /// that runs. From here on, <paramref name="lines"/> follow the host's configuration (its appsettings.json too).
    /// Returns the signal handling until the host has started (<see cref="StartupSignals.StopWhileStarting"/>), to be
    /// disposed once the run ends, however it ends.
    /// </summary>
    public static async Task<IDisposable> CheckSettingsAsync(this WebApplication app, StartupLines lines)
    {
        lines.FollowFormatOf(app.Configuration);
        app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
        ListenUrls.ThrowIfTaken(app.Configuration);
        using (StartupSignals.ReportWhileOpening(lines, app.Services.GetRequiredService<TimeProvider>()))
        {
            LogOpening(app.Logger);
            await app.Services.GetRequiredService<IWarehouse>().InitializeAsync(CancellationToken.None);
        }

        return StartupSignals.StopWhileStarting(app.Lifetime);
    }

    /// <summary>
    /// The process's exit code once the host has stopped: 0, or 1 when the service stopped itself because DuckDB
    /// invalidated its database. Taken before the run, as the host disposes its services when it stops.
    /// </summary>
    public static Func<int> ExitCodeAfterRun(this WebApplication app)
    {
        var warehouse = app.Services.GetRequiredService<IWarehouse>();
        return () => warehouse is Core.Warehouse.DuckDb.DuckDbWarehouse { Invalidated: true } ? 1 : 0;
    }

    /// <summary>
    /// Runs the host until it stops. A stop asked for while the host still starts (a SIGTERM while Kestrel binds, after
    /// the warehouse opened) cancels the start, which then throws: unhandled, the process aborted with exit code 134 and a
    /// stack trace. Nothing was acknowledged yet, so it is a stop like any other (exit 0), with one line saying so. The
    /// host itself still logs its start's cancellation as "Hosting failed to start" (Error), as it does for any start that
    /// throws. Only a start cut short is caught: a stop that fails after the host started is the process's failure.
    /// </summary>
    public static async Task RunUntilStoppedAsync(this WebApplication app)
    {
        // Taken before the run: by the time its exception is seen, the run has disposed the host's services.
        var stopping = app.Lifetime.ApplicationStopping;
        var started = app.Lifetime.ApplicationStarted;
        var logger = app.Logger;
        try
        {
            await app.RunAsync();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !started.IsCancellationRequested)
        {
            LogStoppedWhileStarting(logger);
        }
    }

    public static WebApplication UseChatIngest(this WebApplication app)
    {
        app.UseNoSniff();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Kestrel's own refusals (body too large, bad request line) keep their status; the rest is a 500.
            // A warehouse that stayed unavailable past its retry budget on a read is a 503 too.
            StatusCodeSelector = e => e switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                WarehouseUnavailableException => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
            // The client's doing, not ours: a malformed request (answered with Kestrel's status) or a client that left
            // mid-request (a Pub/Sub connection cut, a load generator stopping). No error log with a stack trace for those.
            // Nor is a read the warehouse could not answer: a 503 like a refused push, its cause logged where it arose;
            // nor one BigQuery refused for its bytes billed (a 500 naming the setting, logged as a warning where it arose).
            SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException or ConnectionResetException or WarehouseUnavailableException
                    or QueryCostLimitException
                || c.HttpContext.RequestAborted.IsCancellationRequested,
        });
        app.UseStatusCodePages();
        app.UseHeadAsGet(); // routes: what needs the endpoint comes after it
        app.UseRateLimiter();
        app.UseSwagger();
        app.UseSwaggerUI();
        app.MapMetrics();
        return app;
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Opening the warehouse")]
    private static partial void LogOpening(ILogger logger);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Stopped while starting, before taking any request: nothing was acknowledged")]
    private static partial void LogStoppedWhileStarting(ILogger logger);
}
