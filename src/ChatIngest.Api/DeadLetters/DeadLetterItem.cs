using ChatIngest.Core.Warehouse;

namespace ChatIngest.Api.DeadLetters;

/// <summary>
/// One dead letter as <c>GET /dead-letters</c> shows it. The raw data is written as base64 (System.Text.Json's form of
/// bytes) straight into the answer, not first into a string of twice the base64's size.
/// </summary>
internal sealed record DeadLetterItem(string MessageId, string Reason, string Detail, DateTime PublishTime, DateTime ReceivedAt, byte[] DataBase64)
{
    public static DeadLetterItem From(DeadLetterRow row) =>
        new(row.MessageId, row.Reason, row.Detail, row.PublishTime, row.ReceivedAt, row.Data);
}

/// <summary>The answer of <c>GET /dead-letters</c>.</summary>
internal sealed record DeadLetterPage(IReadOnlyList<DeadLetterItem> Items, string? NextPageToken);
