using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// Records as insertAll rows of the tables in <c>sql/bigquery/</c>. The insertId stands for one publication of one
/// content: a hash of the content key and the message id (a dead letter's: of its message id). So a resent request and a
/// redelivery, sent within BigQuery's dedupe window, are dropped there already, while another publication of the same
/// content (a replay) is kept: the view needs every publication to find the first one (VIEW.md: an order's city is its
/// first-published order event's), and keeps one row per content key itself. INT64 travels as a string so no id is
/// rounded through a double; TIMESTAMP as RFC 3339 with microseconds.
/// </summary>
internal static class BigQueryRows
{
    public const string Orders = "orders";
    public const string Conversations = "conversations";
    public const string DeadLetters = "dead_letters";

    public static (string Table, InsertRow Row) For(IngestRecord record) => record switch
    {
        OrderEventRecord o => (Orders, new InsertRow(InsertId(o.Key, o.Delivery), Json(w =>
        {
            w.WriteString("content_key", o.Key);
            Int64(w, "order_id", o.OrderId);
            w.WriteString("city_code", o.CityCode);
            WriteDelivery(w, o.Delivery);
        }))),
        ChatMessageRecord c => (Conversations, new InsertRow(InsertId(c.Key, c.Delivery), Json(w =>
        {
            w.WriteString("content_key", c.Key);
            Int64(w, "order_id", c.OrderId);
            w.WriteString("sender_app_type", c.SenderAppType);
            w.WriteString("sender_role", c.Role.ToString());
            w.WriteString("message_sent_time", Rfc3339.Format(c.MessageSentTime));
            w.WriteBoolean("chat_started_by_message", c.ChatStartedByMessage);
            w.WriteString("order_stage", c.OrderStage);
            Int64(w, "from_id", c.FromId);
            Int64(w, "to_id", c.ToId);
            Int64(w, "courier_id", c.CourierId);
            Int64(w, "customer_id", c.CustomerId);
            WriteDelivery(w, c.Delivery);
        }))),
        DeadLetterRecord x => (DeadLetters, new InsertRow(InsertId(x.Delivery.MessageId), Json(w =>
        {
            w.WriteString("message_id", x.Delivery.MessageId);
            w.WriteString("reason", x.Reason);
            w.WriteString("detail", x.Detail);
            w.WriteString("publish_time", Rfc3339.Format(x.Delivery.PublishTime));
            w.WriteString("received_at", Rfc3339.Format(x.Delivery.ReceivedAt));
            w.WriteBase64String("data", x.Data);
        }))),
        _ => throw new InvalidOperationException($"Unknown record type {record.GetType().Name}."),
    };

    private static string InsertId(string contentKey, Delivery delivery) => InsertId(contentKey + "\n" + delivery.MessageId);

    /// <summary>64 hex digits: an insertId takes at most 128 characters, and a message id alone may take 256.</summary>
    private static string InsertId(string publication) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(publication)));

    private static void WriteDelivery(Utf8JsonWriter w, Delivery d)
    {
        w.WriteString("message_id", d.MessageId);
        w.WriteString("publish_time", Rfc3339.Format(d.PublishTime));
        w.WriteString("received_at", Rfc3339.Format(d.ReceivedAt));
    }

    private static void Int64(Utf8JsonWriter w, string name, long value) => w.WriteString(name, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Characters JSON does not need escaped are written as UTF-8: the default encoder escapes every non-ASCII and
    /// HTML-sensitive one as <c>\uXXXX</c> (up to six times the bytes), which put large valid messages over insertAll's
    /// request limit. Safe here: the JSON goes to BigQuery's API, never into an HTML page.
    /// </summary>
    private static readonly JsonWriterOptions Writing = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Writing))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }
}
