using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;
using static ChatIngest.Tests.Support.IngestRecords;
using Decision = ChatIngest.Core.Warehouse.DuckDb.RecentKeys.Decision;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// The write path's duplicate check (<see cref="RecentKeys"/>) at a window of four keys: two generations of two. Which
/// keys it still knows shows when a generation was swapped, so these tests pin the swap to the moment the current one
/// is full and a new key arrives.
/// </summary>
public sealed class RecentKeysTests
{
    private readonly RecentKeys keys = new(4);

    [Fact]
    public void TheOlderGenerationIsForgottenOnlyWhenTheCurrentOneIsFullAndAnotherKeyIsStored()
    {
        Store(1, 2, 3);
        Assert.True(Known(1) && Known(2) && Known(3));

        Store(4);
        Assert.True(Known(1) && Known(2), "the current generation ({3, 4}) is full, but nothing new came");

        Store(5);
        Assert.False(Known(1) || Known(2));
        Assert.True(Known(3) && Known(4) && Known(5));
    }

    [Fact]
    public void AnEarlierPublicationOfAKeyInTheCurrentGenerationIsRecordedInPlace()
    {
        Store(1, 2);
        Assert.Equal(Decision.DuplicateMaybePublishedEarlier, Decide(Copy(1, secondsEarlier: 5)));

        RememberEarlier(1, secondsEarlier: 10);

        Assert.Equal(Decision.Duplicate, Decide(Copy(1, secondsEarlier: 5)));
        Store(3, 4, 5); // had the update taken a slot, 1 would now be in the older generation, not forgotten
        Assert.False(Known(1));
    }

    [Fact]
    public void AnEarlierPublicationOfAKeyOnlyInTheOlderGenerationMovesItToTheCurrentOne()
    {
        Store(1, 2, 3); // older {1, 2}, current {3}

        RememberEarlier(1, secondsEarlier: 10); // current {3, 1}

        Store(4); // older {3, 1}, current {4}
        Assert.Equal(Decision.Duplicate, Decide(Copy(1, secondsEarlier: 5)));
        Assert.False(Known(2));
    }

    private static IngestRecord Copy(int n, int secondsEarlier = 0) =>
        Classify(Payloads.Chat(n, "Customer iOS", "2024-02-01T09:00:00Z"), $"m-{n}-{secondsEarlier}", Published.AddSeconds(-secondsEarlier));

    private Decision Decide(IngestRecord record) => keys.Decide(record, out _);

    private bool Known(int n) => Decide(Copy(n)) != Decision.Store;

    private void Store(params int[] ns)
    {
        foreach (var n in ns)
        {
            var record = Copy(n);
            Assert.Equal(Decision.Store, keys.Decide(record, out var key));
            keys.Remember(key, record, Decision.Store);
        }
    }

    private void RememberEarlier(int n, int secondsEarlier)
    {
        var record = Copy(n, secondsEarlier);
        var decision = keys.Decide(record, out var key);
        Assert.Equal(Decision.DuplicateMaybePublishedEarlier, decision);
        keys.Remember(key, record, decision);
    }
}
