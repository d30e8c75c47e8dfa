namespace ChatIngest.Tests.Support;

/// <summary>Fresh temp folders for test databases, and the repository's shared sample data.</summary>
public static class TempPaths
{
    public static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "chatingest-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static string NewDatabasePath() => Path.Combine(NewDirectory(), "chatingest.duckdb");

    public static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still open by a process that is going away: the OS temp cleaner takes it
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The repository root: the folder holding ChatIngest.slnx.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatIngest.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ChatIngest.slnx not found above the test binaries.");
    }

    /// <summary><c>../shared/data/{name}</c> beside the repository (the sample data the contracts come with).</summary>
    public static string SharedData(string name)
    {
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "data", name));
        return File.Exists(path) ? path : throw new FileNotFoundException($"Sample data {path} is missing: shared/ must sit beside the repository.", path);
    }
}
