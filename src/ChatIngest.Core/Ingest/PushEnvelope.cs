using System.Text.Json.Serialization;

namespace ChatIngest.Core.Ingest;

/// <summary>The body of a Pub/Sub push request (GCP.md §1, the default "wrapped" form).</summary>
public sealed class PushEnvelope
{
    [JsonPropertyName("message")]
    public PushMessage? Message { get; set; }

    [JsonPropertyName("subscription")]
    public string? Subscription { get; set; }

    [JsonPropertyName("deliveryAttempt")]
    public int? DeliveryAttempt { get; set; }
}

/// <summary>The message inside a push envelope. Pub/Sub sends the id and publish time in both spellings.</summary>
public sealed class PushMessage
{
    [JsonPropertyName("data")]
    public PushData? Data { get; set; }

    [JsonPropertyName("messageId")]
    public string? MessageId { get; set; }

    [JsonPropertyName("message_id")]
    public string? MessageIdSnake { get; set; }

    [JsonPropertyName("publishTime")]
    public string? PublishTime { get; set; }

    [JsonPropertyName("publish_time")]
    public string? PublishTimeSnake { get; set; }

    [JsonPropertyName("attributes")]
    public Dictionary<string, string>? Attributes { get; set; }

    [JsonPropertyName("orderingKey")]
    public string? OrderingKey { get; set; }
}

[JsonSerializable(typeof(PushEnvelope))]
[JsonSourceGenerationOptions(AllowTrailingCommas = false, MaxDepth = 16)]
public sealed partial class PushEnvelopeJsonContext : JsonSerializerContext;
