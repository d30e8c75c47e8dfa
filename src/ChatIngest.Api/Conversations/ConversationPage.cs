using ChatIngest.Core.Warehouse;

namespace ChatIngest.Api.Conversations;

/// <summary>The answer of <c>GET /conversations</c>.</summary>
internal sealed record ConversationPage(IReadOnlyList<ConversationRow> Items, string? NextPageToken);
