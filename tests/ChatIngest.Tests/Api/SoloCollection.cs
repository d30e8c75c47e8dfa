namespace ChatIngest.Tests.Api;

/// <summary>
/// Tests that read process-wide numbers (the managed heap, meters shared by name) run alone, after the parallel ones,
/// so other tests' work does not show up in what they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoloCollection
{
    public const string Name = "Solo";
}
