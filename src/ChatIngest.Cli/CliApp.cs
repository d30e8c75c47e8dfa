using System.CommandLine;
using System.CommandLine.Invocation;
using ChatIngest.Cli.Generate;
using ChatIngest.Cli.Publish;
using ChatIngest.Cli.Replay;

namespace ChatIngest.Cli;

/// <summary>The command tree: <c>generate</c>, <c>replay</c>, <c>publish</c>. Parse errors exit with <see cref="ExitCodes.Usage"/>.</summary>
internal static class CliApp
{
    public static RootCommand CreateRoot(CliContext context) =>
        new("ChatIngest tools: generate realistic chat data, replay it to a push endpoint, publish it to Pub/Sub.")
        {
            GenerateCommand.Create(context),
            ReplayCommand.Create(context),
            PublishCommand.Create(context),
        };

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var parse = CreateRoot(context).Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            ProcessTerminationTimeout = context.ProcessTerminationTimeout,
        };

        // A usage error in a command is its message alone, then where help is: help's 25–40 lines after it on stdout
        // would scroll the message out of sight. Without a command, help is what there is to say.
        var usageError = parse.CommandResult.Command is RootCommand ? null : parse.Action as ParseErrorAction;
        if (usageError is not null)
        {
            usageError.ShowHelp = false;
        }

        var code = await parse.InvokeAsync(configuration, cancellationToken);
        if (usageError is not null)
        {
            await context.Error.WriteLineAsync($"Run '{parse.CommandResult.Command.Name} --help' for its options and examples.");
        }

        return parse.Errors.Count > 0 ? ExitCodes.Usage : code;
    }
}
