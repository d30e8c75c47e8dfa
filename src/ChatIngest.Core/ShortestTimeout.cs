using System.Globalization;

namespace ChatIngest.Core;

/// <summary>
/// The shortest time a timeout or budget setting takes. Polly refuses a timeout under 10 ms and a timer a period under
/// 1 ms (the idle checkpoint looks every half of its setting), which stopped the start with a stack trace; no such
/// setting means anything that short. (The load interval has a floor of its own: its quarter must be a wait.)
/// </summary>
public static class ShortestTimeout
{
    /// <summary>As settings are written, for messages and for <c>[Range]</c>.</summary>
    public const string Text = "00:00:00.010";

    public static readonly TimeSpan Value = TimeSpan.Parse(Text, CultureInfo.InvariantCulture);
}
