using System.Text.Json;

namespace ChatIngest.Api.Push;

/// <summary>
/// A push envelope that does not read, said in the envelope's terms: System.Text.Json names the CLR type it wanted
/// ("could not be converted to System.String. Path: $.message.messageId"), which the sender has no use for.
/// </summary>
internal static class EnvelopeErrors
{
    private const string WrongType = "The JSON value could not be converted to ";

    private const string Envelope = "a Pub/Sub push envelope, {\"message\":{…},\"subscription\":…}";

    /// <summary>What an empty push body is told.</summary>
    public const string Empty = $"The body is empty: a push carries {Envelope}.";

    public static string Describe(JsonException e)
    {
        if (!e.Message.StartsWith(WrongType, StringComparison.Ordinal))
        {
            return e.Message;
        }

        if (e.Path is not { Length: > 2 } path)
        {
            return $"The body must be a JSON object: {Envelope}."; // an array, a string, a number at the top
        }

        var field = path[2..]; // without "$."
        if (e.InnerException is InvalidOperationException { Message: var inner } && inner.Contains("UTF-8", StringComparison.Ordinal))
        {
            return $"{field} is not valid UTF-8.";
        }

        var type = e.Message.AsSpan(WrongType.Length);
        var expected = type.StartsWith("System.String") ? "a string"
            : type.StartsWith("System.Collections.Generic.Dictionary") ? "an object of string values"
            : type.StartsWith("System.Nullable`1[System.Int32]") || type.StartsWith("System.Int32") ? "a whole number"
            : "an object";
        return $"{field} must be {expected}.";
    }
}
