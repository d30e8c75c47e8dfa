using ChatIngest.Api.Push;

namespace ChatIngest.Tests.Api;

/// <summary>A sender's text in a log line: it cannot start a line, turn the line around, or close the quotes it is in.</summary>
public sealed class SenderTextTests
{
    [Theory]
    [InlineData("a\nb", "'a\\u000ab'")]
    [InlineData("a\u2028b", "'a\\u2028b'")] // a line separator
    [InlineData("evil\u202Etxt.exe", "'evil\\u202etxt.exe'")] // a right-to-left override
    [InlineData("x', and PushAuth__Audience is 'y", "'x\\u0027, and PushAuth__Audience is \\u0027y'")]
    [InlineData("back\\slash", "'back\\u005cslash'")]
    [InlineData("café 😀", "'café 😀'")] // letters and emoji as they are
    [InlineData(null, "(none)")]
    public void AQuotedClaimHasItsControlFormatAndQuoteCharactersEscaped(string? claim, string logged) =>
        Assert.Equal(logged, SenderText.Quote(claim));

    [Fact]
    public void ALongTextIsCutBeforeTheLimitNeverInsideASurrogatePair()
    {
        var text = new string('a', 199) + "😀" + "tail"; // the emoji's high surrogate is the 200th character

        var escaped = SenderText.Escape(text);

        Assert.Equal(new string('a', 199) + "…", escaped);
    }
}
