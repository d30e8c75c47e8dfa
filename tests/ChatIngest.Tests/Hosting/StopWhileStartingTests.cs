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
        await using var app = App(new StartsUntilCancelled(starting), logs);

        var run = app.RunUntilStoppedAsync();
        await starting.Task.WaitAsync(TimeSpan.FromMinutes(1)); // the host is starting, held in a service's start
        app.Lifetime.StopApplication(); // what SIGTERM does

        await run.WaitAsync(TimeSpan.FromMinutes(1)); // returns: no OperationCanceledException out of it
        Assert.Contains(logs.Entries, e => e.EventId == 401);
    }

    [Fact]
    public async Task AStopThatFailsAfterTheHostStartedIsNotTakenForAStartCutShort()
    {
        var logs = new CapturedLogs();
        await using var app = App(new FailsToStop(), logs);
        var run = app.RunUntilStoppedAsync();
        await WaitUntilStartedAsync(app);

        app.Lifetime.StopApplication();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.DoesNotContain(logs.Entries, e => e.EventId == 401);
    }

    /// <summary>A web app with one more hosted service, and no signal handling of the host's: the test process keeps its own.</summary>
    private static WebApplication App(IHostedService service, CapturedLogs logs)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(service); // the one instance, started before the web server
        builder.Services.AddSingleton<IHostLifetime, NoSignals>();
        logs.Register(builder.Services);
        return builder.Build();
    }

    private static Task WaitUntilStartedAsync(WebApplication app)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Lifetime.ApplicationStarted.Register(started.SetResult);
        return started.Task.WaitAsync(TimeSpan.FromMinutes(1));
    }

    private sealed class NoSignals : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>A service whose stop fails as a cancelled one does: after the host started, that is no start cut short.</summary>
    private sealed class FailsToStop : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => throw new OperationCanceledException("the stop gave up");
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
