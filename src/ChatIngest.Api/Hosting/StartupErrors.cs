using ChatIngest.Core;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// A bad setting stops start-up with one line naming the key, not a stack trace (API.md "Configuration").
/// </summary>
internal static class StartupErrors
{
    public const int BadSettingExitCode = 2;

    public static async Task<int> RunAsync(Func<Task> run)
    {
        try
        {
            await run();
            return 0;
        }
        catch (OptionsValidationException e)
        {
            return Fail(string.Join(" ", e.Failures));
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is OptionsValidationException))
        {
            return Fail(string.Join(" ", e.InnerExceptions.SelectMany(i => ((OptionsValidationException)i).Failures)));
        }
        catch (InvalidSettingException e)
        {
            return Fail(e.Message);
        }
        catch (IOException e) when (e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
        {
            return Fail($"cannot listen: {e.Message} (set --urls or PORT)");
        }
    }

    private static int Fail(string line)
    {
        Console.Error.WriteLine($"chatingest: {line}");
        return BadSettingExitCode;
    }
}
