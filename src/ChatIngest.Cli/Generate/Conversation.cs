using System.Globalization;

namespace ChatIngest.Cli.Generate;

/// <summary>One conversation while it is being generated: who takes part, how many messages, when the next one is due.</summary>
internal sealed class Conversation
{
    public required long Sequence { get; init; }
    public required long OrderId { get; init; }
    public required long CourierId { get; init; }
    public required long CustomerId { get; init; }
    public required string CityCode { get; init; }
    public required bool CourierFirst { get; init; }
    public required int MessageCount { get; init; }
    public required bool LateOrder { get; init; }
    public DateTime NextAt { get; set; }
    public int Sent { get; set; }

    public bool IsDone => Sent == MessageCount;

    /// <summary>The next chat message, with the seed's field order (sender's id first) and spacing.</summary>
    public string NextMessage(string stage)
    {
        var byCourier = CourierFirst == (Sent % 2 == 0);
        var first = Sent == 0 ? "true" : "false";
        var time = NextAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        Sent++;
        return byCourier
            ? string.Create(CultureInfo.InvariantCulture,
                $"{{\"senderAppType\": \"{Vocabulary.CourierApp}\", \"courierId\": {CourierId}, \"fromId\": {CourierId}, \"toId\": {CustomerId}, \"chatStartedByMessage\": {first}, \"orderId\": {OrderId}, \"orderStage\": \"{stage}\", \"customerId\": {CustomerId}, \"messageSentTime\": \"{time}\"}}")
            : string.Create(CultureInfo.InvariantCulture,
                $"{{\"senderAppType\": \"{Vocabulary.CustomerApp}\", \"customerId\": {CustomerId}, \"fromId\": {CustomerId}, \"toId\": {CourierId}, \"chatStartedByMessage\": {first}, \"orderId\": {OrderId}, \"orderStage\": \"{stage}\", \"courierId\": {CourierId}, \"messageSentTime\": \"{time}\"}}");
    }

    public string OrderEvent() =>
        string.Create(CultureInfo.InvariantCulture, $"{{\"orderId\": {OrderId}, \"cityCode\": \"{CityCode}\"}}");
}
