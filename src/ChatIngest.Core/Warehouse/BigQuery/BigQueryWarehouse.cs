using ChatIngest.Core.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// The warehouse in BigQuery, over REST: writes stream with <c>tabledata.insertAll</c>, reads run the SQL of
/// <c>sql/bigquery/</c> through <c>jobs.query</c>. The service holds no state, so any number of Cloud Run instances
/// can share one dataset. Tables and view are made by the setup command, not at start.
/// BigQuery cannot say whether a row was a duplicate: every accepted row is <see cref="RowOutcome.Stored"/>, so the
/// <c>duplicates</c> count of <c>/replay</c> is only meaningful on DuckDB; the view keeps duplicates from counting.
/// </summary>
internal sealed partial class BigQueryWarehouse(
    BigQueryRestClient client, GoogleAccess access, IOptions<WarehouseOptions> options, TimeProvider time, ILogger<BigQueryWarehouse> logger) : IWarehouse
{
    private readonly WarehouseOptions settings = options.Value;
    private readonly BigQueryInserter inserter = new(client, options.Value, time);

    /// <summary>
    /// Only checks that credentials exist when talking to Google (a missing one stops start-up). BigQuery being
    /// unreachable must not stop start-up: <c>/readyz</c> answers 503 until it answers.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await access.EnsureAsync().ConfigureAwait(false);
        LogUsing(logger, settings.ProjectId, settings.Dataset, settings.Location, settings.BigQueryEndpoint);
    }

    public Task<RowOutcome[]> WriteAsync(IReadOnlyList<IngestRecord> records, CancellationToken cancellationToken) =>
        inserter.WriteAsync(records, cancellationToken);

    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.QueryAsync(Sql("ready.sql"), [], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogNotReady(logger, e);
            return false;
        }
    }

    public async Task<Page<ConversationRow>> ListConversationsAsync(ConversationQuery query, CancellationToken cancellationToken)
    {
        var rows = await client.QueryAsync(Sql("list_conversations.sql"),
        [
            QueryParameter.String("city_code", query.CityCode),
            QueryParameter.Bool("has_city", query.HasCity),
            QueryParameter.String("first_message_by", query.FirstMessageBy),
            QueryParameter.Timestamp("started_after", query.StartedAfter),
            QueryParameter.Timestamp("started_before", query.StartedBefore),
            QueryParameter.Int64("after_order_id", query.AfterOrderId),
            QueryParameter.Int64("limit", query.Limit + 1L),
        ], cancellationToken).ConfigureAwait(false);
        return Page.FromLookahead(rows.Select(ReadConversation).ToList(), query.Limit, r => PageToken.ForConversation(r.OrderId));
    }

    public async Task<ConversationRow?> GetConversationAsync(long orderId, CancellationToken cancellationToken)
    {
        var rows = await client.QueryAsync(Sql("get_conversation.sql"), [QueryParameter.Int64("order_id", orderId)], cancellationToken)
            .ConfigureAwait(false);
        return rows.Count == 0 ? null : ReadConversation(rows[0]);
    }

    /// <summary>
    /// A page of dead letters in one query, which sends the data of only those that fit the page's budget (its
    /// <c>shown</c> column, as <see cref="DeadLetterQuery.Fitting"/>); a letter found past them says another page follows.
    /// </summary>
    public async Task<Page<DeadLetterRow>> ListDeadLettersAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        var rows = await client.QueryAsync(Sql("list_dead_letters.sql"),
        [
            QueryParameter.Timestamp("after_received_at", query.After?.ReceivedAt),
            QueryParameter.String("after_message_id", query.After?.MessageId),
            QueryParameter.String("reason", query.Reason),
            QueryParameter.Int64("limit", query.Limit + 1L),
            QueryParameter.Int64("data_budget", query.DataBudgetBytes),
        ], cancellationToken).ConfigureAwait(false);
        var shown = rows.TakeWhile(r => r.NullableBool("shown") == true).Select(r => new DeadLetterRow(
            r.String("message_id"), r.String("reason"), r.String("detail"),
            r.Timestamp("publish_time"), r.Timestamp("received_at"), r.Bytes("data"))).ToList();
        return Page.EndedAt(shown, rows.Count > shown.Count, PageToken.ForDeadLetter);
    }

    public Task<ConversationStats> GetStatsAsync(StatsQuery query, CancellationToken cancellationToken) =>
        BigQueryStats.ReadAsync(client, Sql, query, cancellationToken);

    /// <summary>A script of <c>sql/bigquery/</c> with <c>{dataset}</c> as <c>project.dataset</c>.</summary>
    internal string Sql(string file) => ForDataset(settings, file);

    internal static string ForDataset(WarehouseOptions settings, string file) =>
        SqlScripts.Load($"bigquery/{file}").Replace("{dataset}", $"{settings.ProjectId}.{settings.Dataset}", StringComparison.Ordinal);

    private static ConversationRow ReadConversation(BigQueryRow r) => new(
        OrderId: r.Int64("order_id"),
        CityCode: r.NullableString("city_code"),
        FirstCourierMessage: r.NullableTimestamp("first_courier_message"),
        FirstCustomerMessage: r.NullableTimestamp("first_customer_message"),
        NumMessagesCourier: r.Int64("num_messages_courier"),
        NumMessagesCustomer: r.Int64("num_messages_customer"),
        FirstMessageBy: r.String("first_message_by"),
        ConversationStartedAt: r.Timestamp("conversation_started_at"),
        FirstResponsetimeDelaySeconds: r.NullableInt64("first_responsetime_delay_seconds"),
        LastMessageTime: r.Timestamp("last_message_time"),
        LastMessageOrderStage: r.String("last_message_order_stage"));

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "BigQuery warehouse {ProjectId}.{Dataset} in {Location} at {Endpoint}")]
    private static partial void LogUsing(ILogger logger, string? projectId, string? dataset, string? location, string endpoint);

    [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "BigQuery warehouse is not ready")]
    private static partial void LogNotReady(ILogger logger, Exception error);
}
