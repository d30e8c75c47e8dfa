using System.Globalization;
using System.Runtime.InteropServices;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// SIGTERM or Ctrl-C before the host handles signals itself. While the warehouse opens (seconds on a large file, more
/// with a journal to load, or on a slow disk; Cloud Run may stop an instance that is still starting), the signal still
/// ends the process as its default action does (exit code 143 or 130): nothing was acknowledged yet, and the next start
/// opens the warehouse from what is on disk, as after a crash. Waiting for the open instead could outlast the grace
/// period, and running the process's exit while DuckDB is mid-open is not safe. What this adds is the line saying why
/// the process ended, written at once (the logger writes from a queue the signal would cut short). From the open until
/// the host has started, the signal asks the host to stop instead (<see cref="StopWhileStarting"/>).
/// </summary>
internal static class StartupSignals
{
    /// <summary>Until disposed, a SIGTERM or SIGINT writes one line to <paramref name="lines"/> before it ends the process.</summary>
    public static IDisposable ReportWhileOpening(StartupLines lines, TimeProvider time)
    {
        var started = time.GetTimestamp();
        void Report(PosixSignalContext context) => lines.Write("NOTICE", string.Create(CultureInfo.InvariantCulture,
            $"{(context.Signal == PosixSignal.SIGINT ? "Ctrl-C (SIGINT)" : "SIGTERM")} while the warehouse was opening ({time.GetElapsedTime(started).TotalSeconds:0.0} s): stopped before serving; nothing was acknowledged, and the next start opens it again."));

        return new Registrations(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Report), PosixSignalRegistration.Create(PosixSignal.SIGINT, Report));
    }

    /// <summary>
    /// From the warehouse's open until the host has started, a SIGTERM or SIGINT asks the host to stop instead of ending
    /// the process: in that gap neither the line above nor the host's own handling was there, and the process ended
    /// with 143 and no word. The host's start is then cancelled (<see cref="ChatIngestHosting.RunUntilStoppedAsync"/>).
    /// </summary>
    public static IDisposable StopWhileStarting(IHostApplicationLifetime lifetime)
    {
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            lifetime.StopApplication();
        }

        var registrations = new Registrations(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop), PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop));
        lifetime.ApplicationStarted.Register(registrations.Dispose); // the host's own handling has taken over
        lifetime.ApplicationStopping.Register(registrations.Dispose);
        return registrations; // and for a start that fails otherwise, whoever ran it
    }

    private sealed class Registrations(params PosixSignalRegistration[] registrations) : IDisposable // disposing twice is harmless
    {
        public void Dispose()
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }
    }
}
