using System.Text;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;

namespace ChatIngest.Tests.Support;

/// <summary>Classified records built from payload JSON, as the push and replay paths build them.</summary>
public static class IngestRecords
{
    public static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
    private static readonly PayloadClassifier Classifier = new();

    public static IngestRecord Classify(string json, string messageId, DateTime? publishTime = null)
    {
        var published = publishTime ?? Published;
        return Classifier.Classify(Encoding.UTF8.GetBytes(json), new Delivery(messageId, published, published));
    }

    /// <summary>A dead letter of <paramref name="data"/>, as a payload that is not JSON is parked.</summary>
    public static DeadLetterRecord DeadLetter(string messageId, byte[] data) =>
        new(new Delivery(messageId, Published, Published), InvalidReason.NotJson, "not JSON", data);
}
