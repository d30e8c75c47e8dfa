namespace ChatIngest.Cli.Progress;

/// <summary>
/// A snapshot for the progress display: <paramref name="Count"/> items so far (the rate is taken from it), and how
/// much of a known <paramref name="Total"/> is <paramref name="Done"/> (bytes of a file, conversations) for the ETA.
/// </summary>
internal readonly record struct ProgressReading(long Count, string Unit, long Done, long? Total, string Detail);
