using System.Runtime.InteropServices;
using System.Text.Json;
using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Ingest;

/// <summary>Why a message is a dead letter: an <see cref="InvalidReason"/> code and a sentence for people.</summary>
internal readonly record struct FieldError(string Reason, string Message);

/// <summary>
/// VIEW.md's rules for one raw JSON field. Each check reads the value it checked, so a valid message is read once;
/// a failure names the field. Absent is <see cref="InvalidReason.MissingField"/>; JSON <c>null</c> is the wrong type.
/// An integer is a number whose value is whole, in whatever form it is written (<c>7.0</c>, <c>7e0</c>).
/// </summary>
internal static class JsonField
{
    public static FieldError? Int64(JsonElement? field, string name, out long value)
    {
        value = 0;
        return field is not { } e ? Missing(name)
            : e.ValueKind == JsonValueKind.Number
              && (e.TryGetInt64(out value) || CanonicalNumber.TryGetInt64(JsonMarshal.GetRawUtf8Value(e), out value)) ? null
            : new FieldError(InvalidReason.WrongType, $"{name} must be a 64-bit integer");
    }

    public static FieldError? PositiveInt64(JsonElement? field, string name, out long value) =>
        Int64(field, name, out value) ?? (value > 0 ? null : new FieldError(InvalidReason.InvalidValue, $"{name} must be greater than 0"));

    public static FieldError? String(JsonElement? field, string name, out string value)
    {
        value = string.Empty;
        if (field is not { } e)
        {
            return Missing(name);
        }

        if (e.ValueKind != JsonValueKind.String)
        {
            return new FieldError(InvalidReason.WrongType, $"{name} must be a string");
        }

        value = e.GetString()!;
        return null;
    }

    /// <summary>
    /// VIEW.md's "non-empty" string: at least one character; white space counts, as the contract says nothing of it.
    /// <paramref name="maxLength"/> counts characters (Unicode code points, as BigQuery's <c>CHAR_LENGTH</c> does), not
    /// UTF-16 units: an emoji is one.
    /// </summary>
    public static FieldError? NonEmptyString(JsonElement? field, string name, out string value, int maxLength = int.MaxValue)
    {
        if (String(field, name, out value) is { } error)
        {
            return error;
        }

        if (value.Length == 0)
        {
            return new FieldError(InvalidReason.InvalidValue, $"{name} must not be empty");
        }

        if (value.Length <= maxLength)
        {
            return null; // UTF-16 units are never fewer than characters: they are counted only past the limit
        }

        var characters = value.EnumerateRunes().Count(); // Unicode scalar values
        return characters <= maxLength ? null
            : new FieldError(InvalidReason.InvalidValue, $"{name} must be at most {maxLength} characters; it has {characters}");
    }

    public static FieldError? Boolean(JsonElement? field, string name, out bool value)
    {
        value = field is { ValueKind: JsonValueKind.True };
        return field is not { } e ? Missing(name)
            : e.ValueKind is JsonValueKind.True or JsonValueKind.False ? null
            : new FieldError(InvalidReason.WrongType, $"{name} must be true or false");
    }

    private static FieldError Missing(string name) => new(InvalidReason.MissingField, $"{name} is required");
}
