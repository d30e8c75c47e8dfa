using ChatIngest.Core;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

/// <summary>
/// The push endpoint's log lines, each carrying the Pub/Sub message id. Refusals (503) are logged through a
/// <see cref="RefusalWindow"/> per cause: one line with the id, then one line a window with how many more there were.
/// </summary>
internal sealed partial class PushLog : IDisposable
{
    /// <summary>How often, at most, one cause of refusal gets a line.</summary>
    internal static readonly TimeSpan RefusalLogWindow = TimeSpan.FromSeconds(10);

    private readonly ILogger<PushLog> logger;
    private readonly RefusalWindow queueFull;
    private readonly RefusalWindow warehouseUnavailable;
    private readonly RefusalWindow deadlinePassed;
    private readonly RefusalWindow stopping;
    private readonly RefusalWindow keysUnavailable;
    private readonly RefusalWindow tokenRefused;
    private readonly RefusalWindow badRequest;
    private readonly RefusalWindow tooLarge;
    private readonly RefusalWindow compressed;
    private readonly double deadlineMs;

    public PushLog(ILogger<PushLog> logger, IOptions<PushOptions> options, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        this.logger = logger;
        deadlineMs = options.Value.Deadline.TotalMilliseconds;
        queueFull = new RefusalWindow(time, RefusalLogWindow, (count, seconds) => LogQueueFullCount(count, seconds));
        warehouseUnavailable = new RefusalWindow(time, RefusalLogWindow, (count, seconds) => LogWarehouseUnavailableCount(count, seconds));
        deadlinePassed = new RefusalWindow(time, RefusalLogWindow, (count, seconds) => LogDeadlinePassedCount(count, seconds, deadlineMs));
        stopping = new RefusalWindow(time, RefusalLogWindow, (count, seconds) => LogStoppingCount(count, seconds));
        keysUnavailable = new RefusalWindow(time, RefusalLogWindow, (count, seconds) => LogKeysUnavailableCount(count, seconds));
        tokenRefused = new RefusalWindow(time, RefusalLogWindow, (count, seconds) => LogTokenRefusedCount(count, seconds));
        badRequest = new RefusalWindow(time, RefusalLogWindow, (count, seconds) => LogUnusableCount(count, StatusCodes.Status400BadRequest, seconds));
        tooLarge = new RefusalWindow(time, RefusalLogWindow, (count, seconds) => LogUnusableCount(count, StatusCodes.Status413PayloadTooLarge, seconds));
        compressed = new RefusalWindow(time, RefusalLogWindow, (count, seconds) => LogUnusableCount(count, StatusCodes.Status415UnsupportedMediaType, seconds));

        // Once the writer has drained, not at the container's disposal: a line logged while the container disposes
        // its singletons can miss the log providers.
        lifetime.ApplicationStopped.Register(Dispose);
    }

    public void QueueFull(string messageId)
    {
        if (queueFull.Take())
        {
            LogQueueFull(messageId);
        }
    }

    public void WarehouseUnavailable(string messageId)
    {
        if (warehouseUnavailable.Take())
        {
            LogWarehouseUnavailable(messageId);
        }
    }

    public void DeadlinePassed(string messageId)
    {
        if (deadlinePassed.Take())
        {
            LogDeadlinePassed(messageId, deadlineMs);
        }
    }

    public void Stopping(string messageId)
    {
        if (stopping.Take())
        {
            LogStopping(messageId);
        }
    }

    /// <summary>A push refused because the keys that check its token could not be had: the operator's problem, not the token's.</summary>
    public void KeysUnavailable(string detail)
    {
        if (keysUnavailable.Take())
        {
            LogKeysUnavailable(detail);
        }
    }

    /// <summary>A push refused for its token (401 or 403): a stranger, or a subscription set up for another audience or account.</summary>
    public void TokenRefused(int status, string detail)
    {
        if (tokenRefused.Take())
        {
            LogTokenRefused(status, detail);
        }
    }

    /// <summary>
    /// A push refused for its body or its headers (400, 413, 415): Pub/Sub sends it again and again, so a subscription
    /// pointed at the wrong endpoint, or a publisher's oversized messages, would otherwise show only as 4xx in the
    /// request log.
    /// </summary>
    public void Unusable(int status, string? detail)
    {
        var window = status switch
        {
            StatusCodes.Status413PayloadTooLarge => tooLarge,
            StatusCodes.Status415UnsupportedMediaType => compressed,
            _ => badRequest,
        };
        if (window.Take())
        {
            LogUnusable(status, SenderText.Escape(detail ?? "", max: 2_000)); // it may quote the sender: a field's name, say
        }
    }

    public void Dispose()
    {
        queueFull.Dispose();
        warehouseUnavailable.Dispose();
        deadlinePassed.Dispose();
        stopping.Dispose();
        keysUnavailable.Dispose();
        tokenRefused.Dispose();
        badRequest.Dispose();
        tooLarge.Dispose();
        compressed.Dispose();
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Push {MessageId} stored; answering 204")]
    public partial void Stored(string messageId);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Push {MessageId} refused: the ingest queue is full; answering 503")]
    private partial void LogQueueFull(string messageId);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Push {MessageId} not stored: the warehouse is unavailable; answering 503")]
    private partial void LogWarehouseUnavailable(string messageId);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Push {MessageId} not committed within {DeadlineMs} ms; answering 503")]
    private partial void LogDeadlinePassed(string messageId, double deadlineMs);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "Push authentication is OFF: anyone who can reach /pubsub/push can write rows. Set PushAuth__Audience and PushAuth__ServiceAccountEmail to require Pub/Sub's OIDC token.")]
    public partial void AuthOff();

    [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "Push authentication is on: tokens must be for audience {Audience} and account {ServiceAccountEmail}")]
    public partial void AuthOn(string audience, string serviceAccountEmail);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "{Count} more pushes refused in the last {Seconds} s: the ingest queue is full; answered 503")]
    private partial void LogQueueFullCount(long count, double seconds);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "{Count} more pushes not stored in the last {Seconds} s: the warehouse is unavailable; answered 503")]
    private partial void LogWarehouseUnavailableCount(long count, double seconds);

    [LoggerMessage(EventId = 308, Level = LogLevel.Warning, Message = "{Count} more pushes not committed within {DeadlineMs} ms in the last {Seconds} s; answered 503")]
    private partial void LogDeadlinePassedCount(long count, double seconds, double deadlineMs);

    [LoggerMessage(EventId = 309, Level = LogLevel.Information, Message = "Push {MessageId} refused: the service is stopping; answering 503")]
    private partial void LogStopping(string messageId);

    [LoggerMessage(EventId = 315, Level = LogLevel.Information, Message = "{Count} more pushes refused in the last {Seconds} s: the service is stopping; answered 503")]
    private partial void LogStoppingCount(long count, double seconds);

    [LoggerMessage(EventId = 316, Level = LogLevel.Warning, Message = "Push refused: {Detail}; answering 503, and Pub/Sub retries")]
    private partial void LogKeysUnavailable(string detail);

    [LoggerMessage(EventId = 317, Level = LogLevel.Warning, Message = "{Count} more pushes refused in the last {Seconds} s: the token signing keys could not be had; answered 503")]
    private partial void LogKeysUnavailableCount(long count, double seconds);

    [LoggerMessage(EventId = 318, Level = LogLevel.Warning, Message = "Push refused ({Status}) for its token: {Detail}")]
    private partial void LogTokenRefused(int status, string detail);

    [LoggerMessage(EventId = 319, Level = LogLevel.Warning, Message = "{Count} more pushes refused for their tokens in the last {Seconds} s; answered 401 or 403")]
    private partial void LogTokenRefusedCount(long count, double seconds);

    [LoggerMessage(EventId = 323, Level = LogLevel.Warning, Message = "Push refused ({Status}): {Detail}")]
    private partial void LogUnusable(int status, string detail);

    [LoggerMessage(EventId = 324, Level = LogLevel.Warning, Message = "{Count} more pushes refused ({Status}) for their bodies or headers in the last {Seconds} s")]
    private partial void LogUnusableCount(long count, int status, double seconds);
}
