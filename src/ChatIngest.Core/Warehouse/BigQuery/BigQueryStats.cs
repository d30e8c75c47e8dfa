namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary><c>GET /stats</c> from BigQuery: three queries of <c>sql/bigquery/stats_*.sql</c>, run side by side.</summary>
internal static class BigQueryStats
{
    public static async Task<ConversationStats> ReadAsync(
        BigQueryRestClient client, Func<string, string> sql, StatsQuery query, CancellationToken cancellationToken)
    {
        QueryParameter[] window =
        [
            QueryParameter.Timestamp("started_after", query.StartedAfter),
            QueryParameter.Timestamp("started_before", query.StartedBefore),
        ];
        var cities = client.QueryAsync(sql("stats_cities.sql"), window, cancellationToken);
        var stages = client.QueryAsync(sql("stats_last_stages.sql"), window, cancellationToken);
        var minutes = client.QueryAsync(sql("stats_started_per_minute.sql"), window, cancellationToken);
        await Task.WhenAll(cities, stages, minutes).ConfigureAwait(false);

        var cityStats = (await cities.ConfigureAwait(false)).Select(r => new CityStats(
            r.NullableString("city_code"),
            r.Int64("conversations"),
            r.Int64("messages"),
            r.NullableFloat64("median_first_response_seconds"),
            r.NullableFloat64("p90_first_response_seconds"),
            r.Int64("started_by_courier"),
            r.Int64("started_by_customer"))).ToList();
        return new ConversationStats(
            cityStats.Sum(c => c.Conversations),
            cityStats.Sum(c => c.Messages),
            cityStats,
            (await stages.ConfigureAwait(false)).Select(r => new StageCount(r.String("stage"), r.Int64("conversations"))).ToList(),
            (await minutes.ConfigureAwait(false)).Select(r => new MinuteCount(r.Timestamp("minute"), r.Int64("conversations"))).ToList());
    }
}
