using ChatIngest.Core;
using Microsoft.Extensions.Time.Testing;

namespace ChatIngest.Tests.Core;

/// <summary>A flood of refused pushes is one line with an id, then one line a window with how many more there were.</summary>
public sealed class RefusalWindowTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2024, 2, 1, 10, 0, 0, TimeSpan.Zero));
    private readonly List<(long Count, double Seconds)> counts = [];
    private readonly RefusalWindow window;

    public RefusalWindowTests() => window = new RefusalWindow(time, Window, (count, seconds) => counts.Add((count, seconds)));

    public void Dispose() => window.Dispose();

    [Fact]
    public void TheFirstRefusalHasItsOwnLineAndTheRestOfTheWindowIsOneCount()
    {
        Assert.True(window.Take());
        time.Advance(TimeSpan.FromSeconds(1));
        var ownLines = Enumerable.Range(0, 1_000).Count(_ => window.Take());

        Assert.Equal(0, ownLines);
        Assert.Empty(counts);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal([(1_000L, 10.0)], counts);
    }

    [Fact]
    public void SustainedRefusalsAreCountedOnceAWindow()
    {
        Assert.True(window.Take());
        for (var second = 0; second < 35; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.False(window.Take());
            Assert.False(window.Take());
        }

        // Two a second after the first: seconds 1-9 are counted at 10 s, 10-19 at 20 s, 20-29 at 30 s; 30-35 wait
        // for the end of their window, at 40 s.
        Assert.Equal([(18L, 10.0), (20L, 10.0), (20L, 10.0)], counts);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal((12L, 10.0), counts[^1]);
        Assert.Equal(70L, counts.Sum(c => c.Count));
    }

    [Fact]
    public void ARefusalAfterAQuietWindowHasItsOwnLineAgain()
    {
        Assert.True(window.Take());
        time.Advance(Window);

        Assert.True(window.Take());
        Assert.Empty(counts);
    }

    [Fact]
    public void WhatIsCountedWhenTheServiceStopsIsLogged()
    {
        Assert.True(window.Take());
        Assert.False(window.Take());
        Assert.False(window.Take());
        time.Advance(TimeSpan.FromSeconds(3));

        window.Dispose();

        Assert.Equal([(2L, 3.0)], counts);
    }
}
