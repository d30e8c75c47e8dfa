using System.Globalization;
using System.Text;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;

namespace ChatIngest.Tests.Support;

/// <summary>Classified records built from payload JSON, as the push and replay paths build them.</summary>
public static class IngestRecords
{
    public static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
    private static readonly PayloadClassifier Classifier = new();

    public static string ChatJson(long orderId, int second = 56) =>
        $$"""{"senderAppType":"Courier Android","courierId":1,"fromId":1,"toId":2,"chatStartedByMessage":true,"orderId":{{orderId}},"orderStage":"ACCEPTED","customerId":2,"messageSentTime":"2024-02-01T10:00:{{second.ToString("D2", CultureInfo.InvariantCulture)}}Z"}""";

    public static string OrderJson(long orderId) => $$"""{"orderId":{{orderId}},"cityCode":"IST"}""";

    public static IngestRecord Classify(string json, string messageId, DateTime? publishTime = null)
    {
        var published = publishTime ?? Published;
        return Classifier.Classify(Encoding.UTF8.GetBytes(json), new Delivery(messageId, published, published));
    }
}
