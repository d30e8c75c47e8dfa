using System.ComponentModel.DataAnnotations;
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

        return ValidateOptionsResult.Fail(results.Select(r =>
            $"{section}__{r.MemberNames.FirstOrDefault() ?? "?"} is invalid: {r.ErrorMessage}"));
    }
}
