using System.Runtime.InteropServices;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// How many bytes a file may still grow by: the room its file system has left for this user, and, on Linux and macOS,
/// what the process's file size limit (<c>ulimit -f</c>, see <see cref="FileSizeLimitSignal"/>) leaves it. A DuckDB
/// checkpoint that runs out of either invalidates the database, so the checkpointer asks first.
/// </summary>
internal static partial class DiskRoom
{
    private const int RlimitFsize = 1; // the same on Linux and macOS

    /// <summary>The room for <paramref name="file"/> to grow, or null when the file system would not say.</summary>
    public static long? For(string file)
    {
        long room;
        try
        {
            room = new DriveInfo(Path.GetDirectoryName(Path.GetFullPath(file))!).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }

        if ((OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            && GetLimit(RlimitFsize, out var limit) == 0
            && limit.Soft < long.MaxValue) // unlimited is all ones (Linux) or 2^63 - 1 (macOS)
        {
            var length = File.Exists(file) ? new FileInfo(file).Length : 0;
            room = Math.Min(room, Math.Max(0, (long)limit.Soft - length));
        }

        return room;
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Limit(ulong Soft, ulong Hard);

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetLimit(int resource, out Limit limit);
}
