using System.Reflection;

namespace ChatIngest.Core.Messages;

/// <summary>The machine-readable reasons stored in <c>dead_letters.reason</c>.</summary>
public static class InvalidReason
{
    public const string NotBase64 = "not_base64";
    public const string EmptyData = "empty_data";
    public const string NotUtf8 = "not_utf8";
    public const string NotJson = "not_json";
    public const string NotObject = "not_object";
    public const string TooDeep = "too_deep";
    public const string DuplicateKey = "duplicate_key";
    public const string MissingField = "missing_field";
    public const string WrongType = "wrong_type";
    public const string InvalidValue = "invalid_value";
    public const string BadTimestamp = "bad_timestamp";
    public const string UnknownSender = "unknown_sender";
    public const string UnknownKind = "unknown_kind";

    /// <summary>Set by a warehouse that refused the row itself (e.g. BigQuery's <c>invalid</c>).</summary>
    public const string RejectedByWarehouse = "rejected_by_warehouse";

    /// <summary>Every reason above, in the order listed (read from the constants, so a new one is in it too).</summary>
    public static IReadOnlyList<string> All { get; } = typeof(InvalidReason)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .OrderBy(f => f.MetadataToken) // the compiler emits fields in the order they are declared
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();
}
