using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Ingest;

/// <summary>VIEW.md's rules for an order event, checked in field order; the first failure decides the reason.</summary>
internal static class OrderEventValidator
{
    public const int MaxCityCodeLength = 64;

    public static FieldError? Validate(OrderEventPayload p, Delivery delivery, string contentKey, out OrderEventRecord? record)
    {
        record = null;
        if (JsonField.PositiveInt64(p.OrderId, "orderId", out var orderId) is { } orderIdError)
        {
            return orderIdError;
        }

        if (JsonField.NonEmptyString(p.CityCode, "cityCode", out var cityCode, MaxCityCodeLength) is { } cityError)
        {
            return cityError;
        }

        record = new OrderEventRecord(delivery, contentKey, orderId, cityCode);
        return null;
    }
}
