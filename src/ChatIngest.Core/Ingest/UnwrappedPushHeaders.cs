namespace ChatIngest.Core.Ingest;

/// <summary>
/// The metadata headers of an unwrapped push (<c>--push-no-wrapper-write-metadata</c>, GCP.md §1): what the wrapped
/// envelope carries in its <c>message</c> object. Read by the service's unwrapped endpoint, written by the CLI's replay.
/// </summary>
public static class UnwrappedPushHeaders
{
    public const string MessageId = "x-goog-pubsub-message-id";
    public const string PublishTime = "x-goog-pubsub-publish-time";
    public const string SubscriptionName = "x-goog-pubsub-subscription-name";
}
