namespace ChatIngest.Api.Push;

/// <summary>The push endpoint's log lines, each carrying the Pub/Sub message id.</summary>
internal sealed partial class PushLog(ILogger<PushLog> logger)
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Push {MessageId} stored; answering 204")]
    public partial void Stored(string messageId);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Push {MessageId} refused: the ingest queue is full or closing; answering 503")]
    public partial void QueueFull(string messageId);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Push {MessageId} not stored: the warehouse is unavailable; answering 503")]
    public partial void WarehouseUnavailable(string messageId);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Push {MessageId} not committed within {DeadlineMs} ms; answering 503")]
    public partial void DeadlinePassed(string messageId, double deadlineMs);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "Push authentication is OFF: anyone who can reach /pubsub/push can write rows. Set PushAuth__Audience and PushAuth__ServiceAccountEmail to require Pub/Sub's OIDC token.")]
    public partial void AuthOff();

    [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "Push authentication is on: tokens must be for audience {Audience} and account {ServiceAccountEmail}")]
    public partial void AuthOn(string audience, string serviceAccountEmail);
}
