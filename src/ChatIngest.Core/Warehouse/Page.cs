namespace ChatIngest.Core.Warehouse;

/// <summary>One page of rows and, when more follow, the token for the next one.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextPageToken);
