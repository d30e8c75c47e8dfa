using System.Text.RegularExpressions;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Docs;

/// <summary>
/// The README and docs/ point at tests by name (<c>PushAuthTests.ExpiredTokenGets401</c>) as the proof of what they
/// claim: each name must be a test that exists, in either test project, or the claim points at nothing.
/// </summary>
public sealed partial class DocumentedTestsTests
{
    [Fact]
    public void EveryTestTheDocsNameExists()
    {
        var root = TempPaths.RepositoryRoot();
        var sources = Directory.EnumerateFiles(Path.Combine(root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();
        var documents = Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories).Append(Path.Combine(root, "README.md"));

        var named = documents
            .SelectMany(d => TestName().Matches(File.ReadAllText(d)).Select(m => (Document: Path.GetRelativePath(root, d), Class: m.Groups[1].Value, Method: m.Groups[2].Value)))
            .Distinct()
            .ToList();
        var missing = named
            .Where(n => !sources.Any(s => s.Contains($"class {n.Class}", StringComparison.Ordinal)
                                          && Regex.IsMatch(s, $@"\b(Task|void) {n.Method}\(")))
            .Select(n => $"{n.Document}: {n.Class}.{n.Method}")
            .ToList();

        Assert.True(named.Count > 30, $"only {named.Count} test names found in the docs: has their form changed?");
        Assert.True(missing.Count == 0, "named in the docs, but no such test:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex(@"\b([A-Z][A-Za-z0-9]*Tests)\.([A-Z][A-Za-z0-9_]*)\b")]
    private static partial Regex TestName();
}
