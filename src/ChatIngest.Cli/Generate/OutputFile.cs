namespace ChatIngest.Cli.Generate;

/// <summary>
/// The <c>--out</c> file, replaced only once it is whole: lines go to a hidden temporary file beside it, which
/// <see cref="Commit"/> renames over it once its stream is closed; disposing without a commit (a failure, Ctrl-C)
/// deletes the temporary file, so the old file stays as it was. Written in place instead: a path that exists but
/// reads as empty — an empty file, or a device, FIFO or terminal (they report length 0) — or is a symbolic link (a
/// rename would put a plain file where the device or link was, and an empty file has nothing to lose), and a file in a
/// directory where no new file may be created.
/// </summary>
internal sealed class OutputFile : IDisposable
{
    private readonly string? temporary;
    private bool committed;

    private OutputFile(string path, string? temporary, FileStream stream)
    {
        Path = path;
        this.temporary = temporary;
        Stream = stream;
    }

    public string Path { get; }

    /// <summary>Closed by the writer; closing it writes the last buffered lines, so that can fail as a write does.</summary>
    public Stream Stream { get; }

    /// <summary>False when the lines go straight into <see cref="Path"/>, so a run that stops leaves it incomplete.</summary>
    public bool Replaces => temporary is not null;

    /// <summary>The file the lines go to, as the operating system's error messages name it.</summary>
    public string WritingTo => temporary ?? Path;

    public static OutputFile Open(string path)
    {
        if (Directory.Exists(path))
        {
            throw new IOException("it is a directory");
        }

        // Refused before anything is generated: "" (--out "$OUT" with OUT unset) threw from GetFullPath, and "newdir/"
        // failed only at the rename, after the whole file was written.
        if (path.Length == 0 || System.IO.Path.EndsInDirectorySeparator(path))
        {
            throw new IOException(path.Length == 0 ? "--out names no file" : "it names a directory, not a file");
        }

        var existing = new FileInfo(System.IO.Path.GetFullPath(path));
        Directory.CreateDirectory(existing.DirectoryName!);
        if (!(existing.Exists && (existing.LinkTarget is not null || existing.Length == 0)))
        {
            var temporary = System.IO.Path.Combine(existing.DirectoryName!, $".{existing.Name}.{Guid.NewGuid():N}.tmp");
            try
            {
                var stream = Create(temporary, FileMode.CreateNew);
                if (existing.Exists && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temporary, existing.UnixFileMode); // the replacement keeps the old file's permissions
                }

                return new OutputFile(path, temporary, stream);
            }
            catch (UnauthorizedAccessException) when (existing.Exists)
            {
                // The directory takes no new file, but the file itself may still be writable: write it in place.
            }
        }

        return new OutputFile(path, null, Create(path, FileMode.Create));
    }

    private static FileStream Create(string path, FileMode mode) => new(path, mode, FileAccess.Write, FileShare.Read, 1 << 16);

    /// <summary>Puts the whole file in place; call once <see cref="Stream"/> is closed.</summary>
    public void Commit()
    {
        if (temporary is not null)
        {
            File.Move(temporary, Path, overwrite: true);
        }

        committed = true;
    }

    public void Dispose()
    {
        if (temporary is not null && !committed)
        {
            File.Delete(temporary);
        }
    }
}
