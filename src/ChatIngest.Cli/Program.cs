namespace ChatIngest.Cli;

/// <summary>
/// The entry point. Not top-level statements: a global <c>Program</c> would clash in the tests with the API's
/// <c>Program</c>, which <c>WebApplicationFactory</c> needs.
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => CliApp.RunAsync(args, CliContext.ForProcess());
}
