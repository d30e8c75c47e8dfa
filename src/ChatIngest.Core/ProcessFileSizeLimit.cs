using System.Runtime.InteropServices;

namespace ChatIngest.Core;

/// <summary>
/// The process's limit on the size of a file it writes (<c>ulimit -f</c>, systemd's <c>LimitFSIZE=</c>). A write past
/// it raises SIGXFSZ, whose default action ends the process at once, mid-write and with no line saying why: the
/// service mid-commit (and a restart would only die again at its first load), <c>generate</c> leaving its hidden
/// temporary file behind. Handled (<see cref="HandleSignal"/>), the write fails with EFBIG instead ("File too large"),
/// which the journal and DuckDB meet as they meet a full disk (docs/reliability.md) and <c>generate</c> reports.
/// </summary>
public static partial class ProcessFileSizeLimit
{
    private const int SigXfsz = 25; // the same on Linux (x64, Arm64) and macOS
    private const int RlimitFsize = 1; // the same on Linux and macOS

    private static PosixSignalRegistration? registration;

    /// <summary>The limit in bytes, or null when there is none (or the platform has no such limit).</summary>
    public static long? Bytes =>
        (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        && GetLimit(RlimitFsize, out var limit) == 0
        && limit.Soft < long.MaxValue // unlimited is all ones (Linux) or 2^63 - 1 (macOS)
            ? (long)limit.Soft
            : null;

    /// <summary>Makes a write past the limit fail with EFBIG instead of ending the process; from the first call on, for the rest of the process's life.</summary>
    public static void HandleSignal()
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

    /// <summary>
    /// Whether <paramref name="e"/> is EFBIG as .NET reports it: not an <see cref="IOException"/> but an
    /// <see cref="ArgumentOutOfRangeException"/> for the parameter "value" ("Specified file length was too large for the
    /// file system"), thrown for a write past this limit or past the largest file the file system holds.
    /// </summary>
    public static bool IsExceededBy(Exception e) => e is ArgumentOutOfRangeException { ParamName: "value" };

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Limit(ulong Soft, ulong Hard);

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetLimit(int resource, out Limit limit);
}
