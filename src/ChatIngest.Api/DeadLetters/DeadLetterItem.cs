using ChatIngest.Core.Warehouse;

namespace ChatIngest.Api.DeadLetters;

/// <summary>One dead letter as <c>GET /dead-letters</c> shows it; the raw data is base64.</summary>
internal sealed record DeadLetterItem(string MessageId, string Reason, string Detail, DateTime PublishTime, DateTime ReceivedAt, string DataBase64)
{
    public static DeadLetterItem From(DeadLetterRow row) =>
        new(row.MessageId, row.Reason, row.Detail, row.PublishTime, row.ReceivedAt, Convert.ToBase64String(row.Data));
}

/// <summary>The answer of <c>GET /dead-letters</c>.</summary>
internal sealed record DeadLetterPage(IReadOnlyList<DeadLetterItem> Items, string? NextPageToken);
