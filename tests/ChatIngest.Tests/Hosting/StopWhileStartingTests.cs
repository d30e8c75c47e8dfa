using ChatIngest.Api.Hosting;
using ChatIngest.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatIngest.Tests.Hosting;

/// <summary>
/// A SIGTERM after the warehouse opened but before the host has started (Kestrel binding) cancels the host's start. A
/// walkthrough hit that window by hand (30–60 ms): the process aborted with exit code 134 and a stack trace.
/// </summary>
public sealed class StopWhileStartingTests
{
    [Fact]
    public async Task AStopAskedForWhileTheHostStartsEndsTheRunWithALineNotAnException()
    {
        var logs = new CapturedLogs();
        var starting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddHostedService(_ => new StartsUntilCancelled(starting));
        logs.Register(builder.Services);
        await using var app = builder.Build();

        var run = app.RunUntilStoppedAsync();
        await starting.Task.WaitAsync(TimeSpan.FromMinutes(1)); // the host is starting, held in a service's start
        app.Lifetime.StopApplication(); // what SIGTERM does

        await run.WaitAsync(TimeSpan.FromMinutes(1)); // returns: no OperationCanceledException out of it
        Assert.Contains(logs.Entries, e => e.EventId == 401);
    }

    /// <summary>A service whose start lasts until the host's start is cancelled, as Kestrel's bind can be.</summary>
    private sealed class StartsUntilCancelled(TaskCompletionSource starting) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            starting.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
