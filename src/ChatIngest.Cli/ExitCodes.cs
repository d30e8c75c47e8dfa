namespace ChatIngest.Cli;

/// <summary>What the process answers its caller (scripts, CI): 0 only when everything went through.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>
    /// Something was not delivered, or a fatal answer (topic not found, no or refused credentials, a wrong --token or
    /// --to) stopped the run.
    /// </summary>
    public const int Failed = 1;

    /// <summary>The command line itself is wrong (unknown option, bad value).</summary>
    public const int Usage = 2;

    /// <summary>Stopped by Ctrl-C / SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;

    /// <summary><c>generate</c>'s stdout was closed by its reader, as by <c>| head</c> (128 + SIGPIPE, as shells report it).</summary>
    public const int BrokenPipe = 141;
}
