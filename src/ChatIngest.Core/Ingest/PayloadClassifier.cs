using System.Text.Json;
using System.Text.Unicode;
using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// Turns one Pub/Sub message's data into an order event, a chat message, or a dead letter with a reason (VIEW.md).
/// Pure: no I/O, and safe to call from many requests at once.
/// </summary>
public sealed class PayloadClassifier(int maxDepth = PayloadClassifier.DefaultMaxDepth)
{
    public const int DefaultMaxDepth = 32;

    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Above this, <see cref="JsonDocument"/> rents its index from the shared ArrayPool at the payload's own size, and
    /// the pool keeps what is given back: a 16 MB array per thread after 9 MB payloads, which filled a 256 MB heap
    /// after a dozen of them. Such payloads are read once without allocating first, so one that is not JSON at all
    /// (the usual large dead letter) never gets that far.
    /// </summary>
    private const int LargePayloadBytes = 4 * 1024 * 1024;

    public IngestRecord Classify(ReadOnlyMemory<byte> data, Delivery delivery)
    {
        if (data.IsEmpty)
        {
            return Invalid(InvalidReason.EmptyData, "the message has no data");
        }

        if (!Utf8.IsValid(data.Span))
        {
            return Invalid(InvalidReason.NotUtf8, "the data is not valid UTF-8");
        }

        // A byte order mark may open a JSON text, and parsers may ignore it (RFC 8259 §8.1): editors, PowerShell and
        // some publishers write one. System.Text.Json would refuse it, so it is skipped here; a dead letter keeps it.
        var json = data.Span.StartsWith(ByteOrderMark) ? data[ByteOrderMark.Length..] : data;
        JsonDocument document;
        try
        {
            if (json.Length > LargePayloadBytes)
            {
                ReadThrough(json.Span); // throws as Parse would, with the same message
            }

            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException e)
        {
            return e.Message.Contains("maximum configured depth", StringComparison.Ordinal)
                ? Invalid(InvalidReason.TooDeep, $"the JSON nests deeper than {maxDepth} levels")
                : Invalid(InvalidReason.NotJson, Truncate(e.Message));
        }

        using (document)
        {
            try
            {
                return ClassifyObject(document.RootElement);
            }
            catch (InvalidOperationException e)
            {
                // A string with a lone surrogate escape (e.g. "\ud800") parses but cannot be read as text.
                return Invalid(InvalidReason.NotJson, Truncate(e.Message));
            }
        }

        IngestRecord ClassifyObject(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Invalid(InvalidReason.NotObject, $"the data is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }

            if (!CanonicalJson.TryComputeKey(root, out var key, out var repeated))
            {
                return Invalid(InvalidReason.DuplicateKey, $"the key \"{Truncate(repeated!)}\" appears twice in one object");
            }

            if (root.TryGetProperty("senderAppType", out _))
            {
                return ChatMessageValidator.Validate(ChatMessagePayload.From(root), delivery, key, out var chat) is { } chatError
                    ? Rejected(chatError)
                    : chat!;
            }

            var order = OrderEventPayload.From(root);
            if (order.OrderId is null && order.CityCode is null)
            {
                return Invalid(InvalidReason.UnknownKind, "neither a chat message (senderAppType) nor an order event (orderId, cityCode)");
            }

            return OrderEventValidator.Validate(order, delivery, key, out var orderEvent) is { } orderError
                ? Rejected(orderError)
                : orderEvent!;
        }

        DeadLetterRecord Invalid(string reason, string detail) => new(delivery, reason, detail, data.ToArray());

        DeadLetterRecord Rejected(FieldError error) => Invalid(error.Reason, error.Message);
    }

    /// <summary>Every token of one JSON value, with the options <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/> gets.</summary>
    private void ReadThrough(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        while (reader.Read())
        {
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
