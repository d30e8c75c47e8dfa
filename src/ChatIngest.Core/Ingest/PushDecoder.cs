using System.Buffers;
using System.Text;
using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// From a push envelope to a classified record. An envelope without a message id or with an unreadable publish time is
/// a client's mistake (400); everything wrong with the <em>data</em> becomes a dead letter, because Pub/Sub would
/// redeliver a nacked poison message for days.
/// </summary>
public sealed class PushDecoder(PayloadClassifier classifier, TimeProvider time)
{
    public PushDecodeResult Decode(PushEnvelope? envelope)
    {
        var message = envelope?.Message;
        if (message is null)
        {
            return PushDecodeResult.Fail("The body is not a Pub/Sub push envelope: it has no \"message\" object.");
        }

        var messageId = message.MessageId ?? message.MessageIdSnake;
        if (string.IsNullOrWhiteSpace(messageId) || messageId.Length > 256)
        {
            return PushDecodeResult.Fail("The push envelope's message has no usable \"messageId\".");
        }

        var receivedAt = Rfc3339.TruncateToMicroseconds(time.GetUtcNow().UtcDateTime);
        var publishText = message.PublishTime ?? message.PublishTimeSnake;
        var publishTime = receivedAt;
        if (publishText is not null && !Rfc3339.TryParseUtc(publishText, out publishTime))
        {
            return PushDecodeResult.Fail("The push envelope's \"publishTime\" is not an RFC 3339 timestamp.");
        }

        var delivery = new Delivery(messageId, publishTime, receivedAt);
        return new PushDecodeResult(DecodeData(message.Data, delivery), null);
    }

    private IngestRecord DecodeData(string? base64, Delivery delivery)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return classifier.Classify(ReadOnlyMemory<byte>.Empty, delivery);
        }

        // Pooled: the classifier copies what a record keeps (strings, or the bytes of a dead letter).
        var bytes = ArrayPool<byte>.Shared.Rent((base64.Length * 3 / 4) + 3);
        try
        {
            return Convert.TryFromBase64String(base64, bytes, out var written)
                ? classifier.Classify(bytes.AsMemory(0, written), delivery)
                : new DeadLetterRecord(delivery, InvalidReason.NotBase64, "message.data is not valid base64", Encoding.UTF8.GetBytes(base64));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}
