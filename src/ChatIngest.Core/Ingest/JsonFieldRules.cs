using System.Text.Json;
using ChatIngest.Core.Messages;
using FluentValidation;

namespace ChatIngest.Core.Ingest;

/// <summary>FluentValidation rules for one raw JSON field; each failure carries an <see cref="InvalidReason"/> code.</summary>
internal static class JsonFieldRules
{
    public static IRuleBuilderOptions<T, JsonElement?> Required<T>(this IRuleBuilder<T, JsonElement?> rule) =>
        rule.NotNull().WithErrorCode(InvalidReason.MissingField).WithMessage("{PropertyName} is required");

    public static IRuleBuilderOptions<T, JsonElement?> Int64<T>(this IRuleBuilder<T, JsonElement?> rule) =>
        rule.Must(e => e!.Value.ValueKind == JsonValueKind.Number && e.Value.TryGetInt64(out _))
            .WithErrorCode(InvalidReason.WrongType).WithMessage("{PropertyName} must be a 64-bit integer");

    public static IRuleBuilderOptions<T, JsonElement?> Positive<T>(this IRuleBuilder<T, JsonElement?> rule) =>
        rule.Must(e => e!.Value.GetInt64() > 0)
            .WithErrorCode(InvalidReason.InvalidValue).WithMessage("{PropertyName} must be greater than 0");

    public static IRuleBuilderOptions<T, JsonElement?> String<T>(this IRuleBuilder<T, JsonElement?> rule) =>
        rule.Must(e => e!.Value.ValueKind == JsonValueKind.String)
            .WithErrorCode(InvalidReason.WrongType).WithMessage("{PropertyName} must be a string");

    public static IRuleBuilderOptions<T, JsonElement?> NonEmpty<T>(this IRuleBuilder<T, JsonElement?> rule, int maxLength) =>
        rule.Must(e => e!.Value.GetString() is { Length: > 0 } s && s.Length <= maxLength && !string.IsNullOrWhiteSpace(s))
            .WithErrorCode(InvalidReason.InvalidValue)
            .WithMessage($"{{PropertyName}} must be a non-empty string of at most {maxLength} characters");

    public static IRuleBuilderOptions<T, JsonElement?> Boolean<T>(this IRuleBuilder<T, JsonElement?> rule) =>
        rule.Must(e => e!.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            .WithErrorCode(InvalidReason.WrongType).WithMessage("{PropertyName} must be true or false");
}
