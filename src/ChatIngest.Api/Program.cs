using ChatIngest.Api.Conversations;
using ChatIngest.Api.Dashboard;
using ChatIngest.Api.DeadLetters;
using ChatIngest.Api.Health;
using ChatIngest.Api.Hosting;
using ChatIngest.Api.Push;
using ChatIngest.Api.Replay;
using ChatIngest.Api.Setup;
using ChatIngest.Api.Stats;

if (SetupCommand.IsRequested(args))
{
    return await SetupCommand.RunAsync(args, Console.Out, Console.Error);
}

var lines = StartupLines.For(args, Console.Error); // the environment's and the command line's format until the host is built
return await StartupErrors.RunAsync(lines, async () =>
{
    // appsettings.json is read from beside the binaries; relative data paths stay relative to the working directory.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddChatIngest();

    var app = builder.Build();
    using var untilStarted = await app.CheckSettingsAsync(lines);
    app.UseChatIngest();

    app.MapPushEndpoints();
    app.MapReplayEndpoints();
    app.MapConversationEndpoints();
    app.MapDeadLetterEndpoints();
    app.MapStatsEndpoints();
    app.MapDashboardEndpoints();
    app.MapHealthEndpoints();

    var exitCode = app.ExitCodeAfterRun();
    await app.RunUntilStoppedAsync();
    return exitCode();
});

/// <summary>The entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
