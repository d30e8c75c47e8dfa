using System.Runtime.InteropServices;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// Keeps a file size limit (<c>ulimit -f</c>, systemd's <c>LimitFSIZE=</c>) from killing the service. A write past the
/// limit raises SIGXFSZ, whose default action ends the process at once, mid-commit and with no line saying why; and a
/// restart would only die again at its first load. Handled, the write fails with EFBIG instead ("File too large"),
/// which the journal and DuckDB meet as they meet a full disk: the push is answered 503, Pub/Sub retries it, and the
/// service goes on once there is room (docs/reliability.md).
/// </summary>
internal static class FileSizeLimitSignal
{
    private const int SigXfsz = 25; // the same on Linux (x64, Arm64) and macOS

    private static PosixSignalRegistration? registration;

    /// <summary>From the first call on, for the rest of the process's life.</summary>
    public static void Handle()
    {
        if ((OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && Volatile.Read(ref registration) is null)
        {
            var created = PosixSignalRegistration.Create((PosixSignal)SigXfsz, context => context.Cancel = true);
            if (Interlocked.CompareExchange(ref registration, created, null) is not null)
            {
                created.Dispose();
            }
        }
    }
}
