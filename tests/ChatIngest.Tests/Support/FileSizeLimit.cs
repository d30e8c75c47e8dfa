using System.Runtime.InteropServices;

namespace ChatIngest.Tests.Support;

/// <summary>
/// A running process's limit on the size of the files it writes (<c>RLIMIT_FSIZE</c>, what <c>ulimit -f</c> sets), as a
/// full disk that needs no root: a write past the limit fails with EFBIG where a full disk fails it with ENOSPC, and
/// lifting the limit is the disk getting room again. Only the soft limit moves, so no privilege is needed.
/// </summary>
public static partial class FileSizeLimit
{
    private const int RlimitFsize = 1;

    /// <summary>Writes by <paramref name="pid"/> that would end past <paramref name="bytes"/> into a file fail from now on.</summary>
    public static void Set(int pid, long bytes) => Apply(pid, hard => Math.Min((ulong)bytes, hard));

    /// <summary>Back to as much as the hard limit allows (unlimited unless someone set one).</summary>
    public static void Lift(int pid) => Apply(pid, hard => hard);

    private static void Apply(int pid, Func<ulong, ulong> soft)
    {
        Check(Get(pid, RlimitFsize, 0, out var current), pid);
        Check(Set(pid, RlimitFsize, new Limit(soft(current.Hard), current.Hard), 0), pid);
    }

    private static void Check(int result, int pid)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"prlimit({pid}, RLIMIT_FSIZE) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Limit(ulong Soft, ulong Hard);

    [LibraryImport("libc", EntryPoint = "prlimit64", SetLastError = true)]
    private static partial int Get(int pid, int resource, nint newLimit, out Limit oldLimit);

    [LibraryImport("libc", EntryPoint = "prlimit64", SetLastError = true)]
    private static partial int Set(int pid, int resource, in Limit newLimit, nint oldLimit);
}
