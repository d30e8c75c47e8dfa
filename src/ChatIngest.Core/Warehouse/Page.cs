namespace ChatIngest.Core.Warehouse;

/// <summary>One page of rows and, when more follow, the token for the next one.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextPageToken);

/// <summary>Keyset paging shared by both warehouses.</summary>
public static class Page
{
    /// <summary>
    /// From rows fetched with a limit of <paramref name="limit"/> + 1: the extra row is not shown, it only says that
    /// another page follows, which then starts after the last row shown.
    /// </summary>
    public static Page<T> FromLookahead<T>(IReadOnlyList<T> rows, int limit, Func<T, string> tokenAfter) =>
        EndedAt(rows.Count > limit ? rows.Take(limit).ToList() : rows, more: rows.Count > limit, tokenAfter);

    /// <summary>
    /// The <paramref name="shown"/> rows of a page that ended early, before rows it found but does not show (as
    /// <see cref="DeadLetterQuery.DataBudgetBytes"/> ends one): when <paramref name="more"/>, the next page starts
    /// after the last row shown.
    /// </summary>
    public static Page<T> EndedAt<T>(IReadOnlyList<T> shown, bool more, Func<T, string> tokenAfter) =>
        new(shown, more && shown.Count > 0 ? tokenAfter(shown[^1]) : null);
}
