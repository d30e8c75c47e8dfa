using ChatIngest.Core.Ingest;
using ChatIngest.Core.Warehouse;

namespace ChatIngest.Tests.Warehouse;

public sealed class PageTokenTests
{
    [Theory]
    [InlineData('7')] // one UTF-8 byte, as Pub/Sub's own numeric ids
    [InlineData('€')] // three: the longest a UTF-16 character makes
    public void ADeadLetterTokenAfterTheLongestMessageIdAPushMayHaveIsReadBack(char character)
    {
        // The service must take the token it gives, or no letter after that one can be reached.
        var id = new string(character, PushDecoder.MaxMessageIdLength);
        var receivedAt = DateTime.MaxValue;

        var token = PageToken.ForDeadLetter(new DeadLetterRow(id, "not_json", "", receivedAt, receivedAt, []));

        Assert.True(PageToken.TryReadDeadLetter(token, out var last), $"a token of {token.Length} characters was refused");
        Assert.Equal(new DeadLetterPosition(receivedAt, id), last);
    }
}
