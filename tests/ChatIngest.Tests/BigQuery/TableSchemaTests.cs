using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.BigQuery;

namespace ChatIngest.Tests.BigQuery;

/// <summary>
/// The setup check's judgement of an existing table's columns against the script's, for the column shapes the
/// end-to-end setup tests do not build: arrays (REPEATED) and records (RECORD, STRUCT in standard SQL).
/// </summary>
public sealed class TableSchemaTests
{
    private static readonly IReadOnlyList<TableSchema.Field> Orders = TableSchema.Declared(SqlScripts.Load("bigquery/create_orders.sql"));

    /// <summary>The orders table as <c>tables.get</c> describes the one the script makes: the REST API's legacy type names.</summary>
    private static readonly TableSchema.Field[] OrdersAsRestDescribesIt =
    [
        new("content_key", "STRING", "REQUIRED"), new("order_id", "INTEGER", "REQUIRED"), new("city_code", "STRING", "REQUIRED"),
        new("message_id", "STRING", "REQUIRED"), new("publish_time", "TIMESTAMP", "REQUIRED"), new("received_at", "TIMESTAMP", "REQUIRED"),
    ];

    private static TableSchema.Field[] OrdersWith(TableSchema.Field changed) =>
        [.. OrdersAsRestDescribesIt.Select(f => f.Name == changed.Name ? changed : f)];

    [Fact]
    public void ATableAsTheScriptMakesItHasNoProblem()
    {
        Assert.Empty(TableSchema.Problems(Orders, OrdersAsRestDescribesIt));
    }

    [Theory]
    [InlineData("city_code", "STRING", "REPEATED", "city_code is REPEATED (an array)")]
    [InlineData("order_id", "INTEGER", "REPEATED", "order_id is REPEATED (an array)")] // the REST API's legacy name, the right type
    [InlineData("city_code", "RECORD", "NULLABLE", "city_code is STRUCT, not STRING")]
    [InlineData("city_code", "RECORD", "REPEATED", "city_code is STRUCT, not STRING")] // one problem a column, its type first
    public void AColumnChatIngestWritesThatIsAnArrayOrARecordIsAProblem(string name, string type, string mode, string problem)
    {
        Assert.Equal([problem], TableSchema.Problems(Orders, OrdersWith(new(name, type, mode))));
    }

    [Theory]
    [InlineData("REPEATED", new string[0])] // an array of its own is left empty by insertAll, which takes the row
    [InlineData("NULLABLE", new string[0])]
    [InlineData("REQUIRED", new[] { "tags is REQUIRED and ChatIngest does not write it" })]
    public void AColumnOfTheTablesOwnIsAProblemOnlyWhenRequired(string mode, string[] problems)
    {
        Assert.Equal(problems, TableSchema.Problems(Orders, [.. OrdersAsRestDescribesIt, new("tags", "RECORD", mode)]));
    }
}
