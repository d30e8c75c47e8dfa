namespace ChatIngest.Core.Messages;

/// <summary>A valid order event: the city an order belongs to.</summary>
public sealed record OrderEventRecord(Delivery Delivery, string Key, long OrderId, string CityCode) : IngestRecord(Delivery)
{
    public override string ContentKey => Key;
}
