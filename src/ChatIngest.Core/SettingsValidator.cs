using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core;

/// <summary>
/// An options class's data annotations, checked at start, each failure naming the setting as a user writes it
/// (<c>Ingest__QueueCapacity</c>), not the C# member, so the start-up line says which key to fix.
/// </summary>
public sealed class SettingsValidator<TOptions>(string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            return ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail(results.Select(r => Line(options, r)));
    }

    /// <summary>
    /// <c>Ingest__QueueCapacity must be between 1 and 1000000; it is 0.</c> DataAnnotations says "The field
    /// QueueCapacity must …", naming the C# member; the start-up line names the setting, as the other checks do.
    /// </summary>
    private string Line(TOptions options, ValidationResult result)
    {
        var member = result.MemberNames.FirstOrDefault() ?? "?";
        var message = result.ErrorMessage ?? "is invalid.";
        var prefix = $"The field {member} ";
        if (!message.StartsWith(prefix, StringComparison.Ordinal))
        {
            return $"{section}__{member} is invalid: {message}";
        }

        var value = typeof(TOptions).GetProperty(member)?.GetValue(options);
        return string.Create(CultureInfo.InvariantCulture, $"{section}__{member} {message[prefix.Length..].TrimEnd('.')}; it is {value}.");
    }
}
