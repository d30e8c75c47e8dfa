using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// VIEW.md's rules for a chat message, checked in field order; the first failure decides the dead letter's reason.
/// Hand-written rather than FluentValidation: it runs once per push, and this reads each field once, allocating
/// nothing but the strings the record keeps (docs/performance.md).
/// </summary>
internal static class ChatMessageValidator
{
    public static FieldError? Validate(ChatMessagePayload p, Delivery delivery, string contentKey, out ChatMessageRecord? record)
    {
        record = null;
        if (JsonField.String(p.SenderAppType, "senderAppType", out var senderAppType) is { } error)
        {
            return error;
        }

        if (RoleOf(senderAppType) is not { } role)
        {
            return new FieldError(InvalidReason.UnknownSender, "senderAppType must begin with Courier or Customer");
        }

        if (JsonField.PositiveInt64(p.OrderId, "orderId", out var orderId) is { } orderIdError)
        {
            return orderIdError;
        }

        if (JsonField.String(p.MessageSentTime, "messageSentTime", out var sentText) is { } sentError)
        {
            return sentError;
        }

        if (!Rfc3339.TryParseUtc(sentText, out var sentAt))
        {
            return new FieldError(InvalidReason.BadTimestamp, "messageSentTime must be an RFC 3339 timestamp with a zone (Z or ±hh:mm)");
        }

        // The remaining fields in order; each out value is read only when every check before it passed.
        long fromId = 0, toId = 0, courierId = 0, customerId = 0;
        var startedByMessage = false;
        var orderStage = string.Empty;
        if ((JsonField.Int64(p.FromId, "fromId", out fromId)
             ?? JsonField.Int64(p.ToId, "toId", out toId)
             ?? JsonField.Int64(p.CourierId, "courierId", out courierId)
             ?? JsonField.Int64(p.CustomerId, "customerId", out customerId)
             ?? JsonField.Boolean(p.ChatStartedByMessage, "chatStartedByMessage", out startedByMessage)
             ?? JsonField.NonEmptyString(p.OrderStage, "orderStage", out orderStage)) is { } error3)
        {
            return error3;
        }

        record = new ChatMessageRecord(
            delivery, contentKey, orderId, role, senderAppType, sentAt, startedByMessage, orderStage, fromId, toId, courierId, customerId);
        return null;
    }

    public static SenderRole? RoleOf(string? senderAppType) =>
        senderAppType is null ? null
        : senderAppType.StartsWith("Courier", StringComparison.OrdinalIgnoreCase) ? SenderRole.Courier
        : senderAppType.StartsWith("Customer", StringComparison.OrdinalIgnoreCase) ? SenderRole.Customer
        : null;
}
