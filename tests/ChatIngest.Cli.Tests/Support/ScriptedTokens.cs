using System.Collections.Concurrent;
using Google.Apis.Auth.OAuth2;

namespace ChatIngest.Cli.Tests.Support;

/// <summary>
/// A token source in place of Application Default Credentials: each call takes the next step of the script (an
/// exception is thrown, null hands out <see cref="Token"/>); once the script is done, every call gets the token.
/// </summary>
internal sealed class ScriptedTokens(params Exception?[] script) : ITokenAccess
{
    public const string Token = "test-access-token";
    private readonly ConcurrentQueue<Exception?> steps = new(script);

    public Task<string> GetAccessTokenForRequestAsync(string? authUri = null, CancellationToken cancellationToken = default) =>
        steps.TryDequeue(out var step) && step is not null ? Task.FromException<string>(step) : Task.FromResult(Token);
}
