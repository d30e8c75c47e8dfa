namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// <c>GET /stats</c> from BigQuery: one query (<c>sql/bigquery/stats.sql</c>), so one snapshot of the tables, whose
/// rows are of three parts: cities, last stages and minutes, each in its order.
/// </summary>
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
        var rows = await client.QueryAsync(sql("stats.sql"), window, cancellationToken).ConfigureAwait(false);
        var cities = new List<CityStats>();
        var stages = new List<StageCount>();
        var minutes = new List<MinuteCount>();
        foreach (var r in rows)
        {
            switch (r.Int64("part"))
            {
                case 1:
                    cities.Add(new CityStats(
                        r.NullableString("city_code"),
                        r.Int64("conversations"),
                        r.Int64("messages"),
                        r.NullableFloat64("median_first_response_seconds"),
                        r.NullableFloat64("p90_first_response_seconds"),
                        r.Int64("started_by_courier"),
                        r.Int64("started_by_customer")));
                    break;
                case 2:
                    stages.Add(new StageCount(r.String("stage"), r.Int64("conversations")));
                    break;
                case 3:
                    minutes.Add(new MinuteCount(r.Timestamp("minute"), r.Int64("conversations")));
                    break;
                default:
                    throw new InvalidOperationException($"stats.sql answered a row of part {r.Int64("part")}, which it does not make.");
            }
        }

        return new ConversationStats(cities.Sum(c => c.Conversations), cities.Sum(c => c.Messages), cities, stages, minutes);
    }
}
