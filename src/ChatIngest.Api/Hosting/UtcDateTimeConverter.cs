using System.Text.Json;
using System.Text.Json.Serialization;
using ChatIngest.Core.Messages;

namespace ChatIngest.Api.Hosting;

/// <summary>Timestamps in answers are RFC 3339 in UTC with <c>Z</c> (API.md).</summary>
internal sealed class UtcDateTimeConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Rfc3339.TryParseUtc(reader.GetString(), out var value) ? value : throw new JsonException("Expected an RFC 3339 timestamp.");

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Rfc3339.Format(value));
}
