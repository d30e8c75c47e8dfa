using System.Text.Json;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Tests.Ingest;

/// <summary>The content key reuses its writer and property lists per thread; reuse must never leak between messages.</summary>
public sealed class CanonicalJsonReuseTests
{
    [Fact]
    public void EqualNestedObjectsInAnyKeyOrderGetOneKeyAcrossRepeatedUse()
    {
        var first = Key("""{"a":{"c":1,"b":[{"y":1,"x":"é"}]},"d":true}""");

        Assert.Equal(first, Key("""{ "d" : true, "a" : { "b" : [ { "x" : "\u00e9", "y" : 1 } ], "c" : 1 } }"""));
        Assert.NotEqual(first, Key("""{"a":{"c":1,"b":[{"y":2,"x":"é"}]},"d":true}"""));
        Assert.Equal(first, Key("""{"d":true,"a":{"b":[{"y":1,"x":"é"}],"c":1}}"""));
    }

    [Fact]
    public void RepeatedKeyIsReportedAndTheNextMessageIsKeyedAsIfAlone()
    {
        var alone = Key("""{"orderId":1,"cityCode":"IST"}""");
        using var repeated = JsonDocument.Parse("""{"x":{"k":1,"k":2},"y":1}""");

        Assert.False(CanonicalJson.TryComputeKey(repeated.RootElement, out _, out var name));
        Assert.Equal("k", name);
        Assert.Equal(alone, Key("""{"cityCode":"IST","orderId":1}"""));
    }

    [Fact]
    public void AMessageLargerThanTheKeptBufferLeavesLaterKeysAsTheyWere()
    {
        var before = Key("""{"orderId":1,"cityCode":"IST"}""");
        var large = Key("{\"orderId\":2,\"cityCode\":\"" + new string('L', 200_000) + "\"}");

        Assert.NotEqual(before, large);
        Assert.Equal(before, Key("""{"cityCode":"IST","orderId":1}"""));
        Assert.Equal(large, Key("{\"cityCode\":\"" + new string('L', 200_000) + "\",\"orderId\":2}"));
    }

    private static string Key(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.True(CanonicalJson.TryComputeKey(document.RootElement, out var key, out _));
        return key;
    }
}
