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
    /// secret often ends in a newline, and every replay was then 403.
    /// </summary>
    public string? Token { get; set => field = value?.Trim(); }
}
