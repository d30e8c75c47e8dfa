using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// From a push delivery to a classified record. A delivery without a usable message id or with an unreadable publish
/// time is a client's mistake (400); everything wrong with the <em>data</em> becomes a dead letter, because Pub/Sub
/// would redeliver a nacked poison message for days.
/// </summary>
public sealed class PushDecoder(PayloadClassifier classifier, TimeProvider time)
{
    /// <summary>The id an unwrapped push without Pub/Sub's metadata headers gets: this prefix and its data's SHA-256.</summary>
    private const string DerivedIdPrefix = "sha256:";

    internal const int MaxMessageIdLength = 256;

    /// <summary>
    /// Buffers up to this size come from the shared pool. Larger ones do not: the pool keeps what is returned to it (a
    /// buffer per thread and size), so a large message's (up to 10 MB of data) would stay for good.
    /// </summary>
    public const int PooledBytes = 1024 * 1024;

    /// <summary>
    /// The default, "wrapped" form: the envelope holds the id, the publish time and the base64 data. The envelope's
    /// data is released here (its pooled buffer given back): an envelope is decoded once.
    /// </summary>
    public PushDecodeResult Decode(PushEnvelope? envelope)
    {
        var message = envelope?.Message;
        if (message is null)
        {
            return PushDecodeResult.Fail("The body is not a Pub/Sub push envelope: it has no \"message\" object.");
        }

        try
        {
            var messageId = EitherSpelling(message.MessageId, message.MessageIdSnake);
            if (string.IsNullOrWhiteSpace(messageId) || messageId.Length > MaxMessageIdLength)
            {
                return PushDecodeResult.Fail("The push envelope's message has no usable \"messageId\".");
            }

            return TryDelivery(messageId, EitherSpelling(message.PublishTime, message.PublishTimeSnake), out var delivery)
                ? new PushDecodeResult(DecodeData(message.Data, delivery), null)
                : PushDecodeResult.Fail("The push envelope's \"publishTime\" is not an RFC 3339 timestamp.");
        }
        finally
        {
            message.Data?.Release(); // the classifier copied what the record keeps
        }
    }

    /// <summary>
    /// A field Pub/Sub spells both ways (GCP.md §1): the camelCase one unless it is blank, then the snake_case one if
    /// given. A sender that writes one of them empty still gave the other; both blank, or only a blank one, is still
    /// the sender's mistake.
    /// </summary>
    private static string? EitherSpelling(string? camel, string? snake) =>
        string.IsNullOrWhiteSpace(camel) ? snake ?? camel : camel;

    /// <summary>
    /// The unwrapped form (<c>--push-no-wrapper</c>, GCP.md §1): the body is the data itself. The id and publish time
    /// come from the <c>x-goog-pubsub-*</c> headers when the subscription writes metadata. Without them the id is
    /// derived from the data, so a redelivery of an invalid payload is the same dead letter, and the publish time is
    /// the time of receipt, as for a wrapped message without one.
    /// </summary>
    public PushDecodeResult DecodeUnwrapped(in ReadOnlySequence<byte> body, string? messageIdHeader, string? publishTimeHeader)
    {
        if (body.IsSingleSegment)
        {
            return DecodeUnwrapped(body.First, messageIdHeader, publishTimeHeader);
        }

        // The classifier reads one span; it copies what a record keeps, so the buffer goes back at once.
        var length = checked((int)body.Length);
        var bytes = Borrow(length);
        try
        {
            body.CopyTo(bytes);
            return DecodeUnwrapped(bytes.AsMemory(0, length), messageIdHeader, publishTimeHeader);
        }
        finally
        {
            GiveBack(bytes);
        }
    }

    private PushDecodeResult DecodeUnwrapped(ReadOnlyMemory<byte> data, string? messageIdHeader, string? publishTimeHeader)
    {
        var messageId = messageIdHeader ?? DerivedIdPrefix + Convert.ToHexStringLower(SHA256.HashData(data.Span));
        if (string.IsNullOrWhiteSpace(messageId) || messageId.Length > MaxMessageIdLength)
        {
            return PushDecodeResult.Fail($"The {UnwrappedPushHeaders.MessageId} header is empty or longer than 256 characters.");
        }

        if (!TryDelivery(messageId, publishTimeHeader, out var delivery))
        {
            return PushDecodeResult.Fail($"The {UnwrappedPushHeaders.PublishTime} header is not an RFC 3339 timestamp.");
        }

        var record = classifier.Classify(data, delivery);
        return messageIdHeader is null && record is DeadLetterRecord { Reason: InvalidReason.UnknownKind } && IsPushEnvelope(data.Span)
            ? PushDecodeResult.Fail("The body is a Pub/Sub push envelope (\"message\" and \"subscription\"): the subscription wraps its "
                + "messages, so its push endpoint must be /pubsub/push, not /pubsub/push/unwrapped (or create it with --push-no-wrapper). "
                + "Nothing was stored; Pub/Sub sends it again.")
            : new PushDecodeResult(record, null);
    }

    /// <summary>
    /// Whether an unwrapped push's body is in fact a wrapped delivery: one JSON object, nothing after it, with a
    /// <c>subscription</c> string and a <c>message</c> object holding a <c>messageId</c> and a <c>publishTime</c> (either
    /// spelling), as every delivery Pub/Sub wraps has. A subscription pointed at the wrong endpoint would otherwise have
    /// every message acknowledged into <c>dead_letters</c> as <c>unknown_kind</c>; refused (400), they stay in Pub/Sub.
    /// Asked only of a body without Pub/Sub's metadata (a wrapped push has none) that is no message.
    /// </summary>
    internal static bool IsPushEnvelope(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        bool message = false, subscription = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == "message" && reader.TokenType == JsonTokenType.StartObject)
                {
                    message = IsPubSubMessage(ref reader); // leaves the reader on the object's end
                }
                else
                {
                    subscription |= name == "subscription" && reader.TokenType == JsonTokenType.String;
                    reader.Skip();
                }
            }

            return message && subscription && !reader.Read(); // the reader throws for anything but white space after it
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsPubSubMessage(ref Utf8JsonReader reader)
    {
        bool id = false, publishTime = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            id |= name is "messageId" or "message_id" && reader.TokenType == JsonTokenType.String;
            publishTime |= name is "publishTime" or "publish_time" && reader.TokenType == JsonTokenType.String;
            reader.Skip();
        }

        return id && publishTime;
    }

    private bool TryDelivery(string messageId, string? publishText, out Delivery delivery)
    {
        var receivedAt = Rfc3339.TruncateToMicroseconds(time.GetUtcNow().UtcDateTime);
        var publishTime = receivedAt;
        var ok = publishText is null || Rfc3339.TryParseUtc(publishText, out publishTime);
        delivery = new Delivery(messageId, publishTime, receivedAt);
        return ok;
    }

    private IngestRecord DecodeData(PushData? data, Delivery delivery) => data switch
    {
        null => classifier.Classify(ReadOnlyMemory<byte>.Empty, delivery),
        { IsBase64: true } => classifier.Classify(data.Bytes, delivery),
        _ => new DeadLetterRecord(delivery, InvalidReason.NotBase64, "message.data is not valid base64", data.Text),
    };

    internal static byte[] Borrow(int length) =>
        length <= PooledBytes ? ArrayPool<byte>.Shared.Rent(length) : GC.AllocateUninitializedArray<byte>(length);

    internal static void GiveBack(byte[] buffer)
    {
        if (buffer.Length <= PooledBytes)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
