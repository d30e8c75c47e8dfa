using System.Globalization;

namespace ChatIngest.Tests.Support;

/// <summary>Hand-written payloads for rule tests, shaped like the seed's lines.</summary>
public static class Payloads
{
    public static string Chat(long orderId, string sender, string sentAt, bool startedByMessage = false, string stage = "ACCEPTED", string extra = "") =>
        $$"""{"senderAppType":"{{sender}}","courierId":11,"fromId":11,"toId":22,"chatStartedByMessage":{{(startedByMessage ? "true" : "false")}},"orderId":{{orderId.ToString(CultureInfo.InvariantCulture)}},"orderStage":"{{stage}}","customerId":22,"messageSentTime":"{{sentAt}}"{{extra}}}""";

    /// <summary>A courier's first message of a conversation, started by that message.</summary>
    public static string CourierStart(long orderId, string stage = "ACCEPTED") =>
        Chat(orderId, "Courier Android", "2024-02-01T10:00:56Z", startedByMessage: true, stage);

    public static string Order(long orderId, string cityCode) =>
        $$"""{"orderId":{{orderId.ToString(CultureInfo.InvariantCulture)}},"cityCode":"{{cityCode}}"}""";
}
