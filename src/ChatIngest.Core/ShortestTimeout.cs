using System.Globalization;

namespace ChatIngest.Core;

/// <summary>
/// The shortest time a timeout, budget or interval setting takes. Polly refuses a timeout under 10 ms and a timer a
/// period under 1 ms (the idle checkpoint looks every half of its setting, the loader every quarter of its interval),
/// which stopped the start with a stack trace, or would make a thread spin; no setting here means anything that short.
/// </summary>
public static class ShortestTimeout
{
    /// <summary>As settings are written, for messages and for <c>[Range]</c>.</summary>
    public const string Text = "00:00:00.010";

    public static readonly TimeSpan Value = TimeSpan.Parse(Text, CultureInfo.InvariantCulture);
}
