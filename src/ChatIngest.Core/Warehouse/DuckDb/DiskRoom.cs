namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// How many bytes a file may still grow by: the room its file system has left for this user, and, on Linux and macOS,
/// what the process's file size limit (<c>ulimit -f</c>, see <see cref="ProcessFileSizeLimit"/>) leaves it. A DuckDB
/// checkpoint that runs out of either invalidates the database, so the checkpointer asks first.
/// </summary>
internal static class DiskRoom
{
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

        if (ProcessFileSizeLimit.Bytes is { } limit)
        {
            var length = File.Exists(file) ? new FileInfo(file).Length : 0;
            room = Math.Min(room, Math.Max(0, limit - length));
        }

        return room;
    }
}
