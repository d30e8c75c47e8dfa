namespace ChatIngest.Api.Replay;

/// <summary>
/// The <c>Replay</c> configuration section. <c>/replay</c> writes rows like a push but is meant for people, not
/// Pub/Sub, so it has its own guard: with <see cref="Token"/> set it needs <c>Authorization: Bearer &lt;token&gt;</c>;
/// without it, it is open in Development only and refused (403) elsewhere.
/// </summary>
internal sealed class ReplayOptions
{
    public const string SectionName = "Replay";

    /// <summary>
    /// The bearer token, without the white space around it, as the one a client sends is read: a token kept in a file or a
    /// secret often ends in a newline, and every replay was then 403. One of white space only is kept as it is, so the
    /// guard stays on (and refuses every replay) rather than read as no token, which in Development opens /replay.
    /// </summary>
    public string? Token { get; set => field = value?.Trim() is { Length: > 0 } trimmed ? trimmed : value; }
}
