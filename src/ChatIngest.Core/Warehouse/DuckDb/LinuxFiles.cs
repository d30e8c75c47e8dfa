using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>The libc calls the journal needs and .NET does not offer: fdatasync, a directory's fsync, direct writes.</summary>
internal static partial class LinuxFiles
{
    public const int WriteOnly = 0x1;     // O_WRONLY
    public const int DataSync = 0x1000;   // O_DSYNC
    public const int CloseOnExec = 0x80000; // O_CLOEXEC

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int Fdatasync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint Pwrite(int fd, ref byte buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);
}
