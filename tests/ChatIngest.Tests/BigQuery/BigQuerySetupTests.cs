using System.Text.Json.Nodes;
using ChatIngest.Api.Setup;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.BigQuery;
using Microsoft.Extensions.DependencyInjection;

namespace ChatIngest.Tests.BigQuery;

public sealed class BigQuerySetupTests
{
    [Fact]
    public async Task SetupCreatesWhatIsMissingAndLeavesWhatExistsWithoutTheRightToCreateDatasets()
    {
        await using var fake = await FakeBigQuery.StartAsync(withTables: false);
        fake.Datasets[FakeBigQuery.Dataset] = true;
        fake.Tables["orders"] = new FakeTable("orders", IsView: false);
        fake.MayCreateDatasets = false; // rights on this dataset only: creating one is 403 whether it exists or not
        await using var services = BigQueryServices.Create(fake);
        var report = new List<string>();

        await services.GetRequiredService<BigQuerySetup>().RunAsync(report.Add, CancellationToken.None);

        Assert.Equal(
        [
            "dataset demo-project.chat: exists, in EU",
            "table demo-project.chat.orders: exists",
            "table demo-project.chat.conversations: created",
            "table demo-project.chat.dead_letters: created",
            "view demo-project.chat.customer_courier_conversations: created",
        ], report);
        Assert.DoesNotContain(fake.Requests, r => r.Method == "POST" && r.Path.EndsWith("/datasets", StringComparison.Ordinal));
        Assert.True(fake.Tables["customer_courier_conversations"].IsView);
        Assert.DoesNotContain(fake.Queries, q => q.Sql.Contains("`demo-project.chat.orders` (", StringComparison.Ordinal));
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task ADatasetMadeBySomeoneElseBetweenTheLookupAndTheCreateIsTakenAsThereAndItsLocationChecked()
    {
        await using var fake = await FakeBigQuery.StartAsync(withTables: false);
        fake.Datasets[FakeBigQuery.Dataset] = true;
        fake.DatasetLookupsBeforeItIsThere = 1; // the first lookup misses it, so the create answers 409
        await using var services = BigQueryServices.Create(fake);
        var report = new List<string>();

        await services.GetRequiredService<BigQuerySetup>().RunAsync(report.Add, CancellationToken.None);

        Assert.Equal("dataset demo-project.chat: exists, in EU", report[0]);
        Assert.Single(fake.Requests, r => r.Method == "POST" && r.Path.EndsWith("/datasets", StringComparison.Ordinal));
        Assert.Equal(2, fake.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/datasets/chat", StringComparison.Ordinal)));
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task SetupCommandOnAnEmptyProjectCreatesEverythingAndASecondRunFindsItDone()
    {
        await using var fake = await FakeBigQuery.StartAsync(withTables: false);
        string[] args = ["setup", .. fake.Settings().Select(s => $"--{s.Key}={s.Value}")];
        using var first = new StringWriter();
        using var second = new StringWriter();
        using var errors = new StringWriter();

        var firstCode = await SetupCommand.RunAsync(args, first, errors);
        var secondCode = await SetupCommand.RunAsync(args, second, errors);

        Assert.Equal((0, 0), (firstCode, secondCode));
        Assert.Contains("dataset demo-project.chat: created in EU", first.ToString(), StringComparison.Ordinal);
        Assert.Contains("table demo-project.chat.dead_letters: created", first.ToString(), StringComparison.Ordinal);
        Assert.Contains("dataset demo-project.chat: exists, in EU", second.ToString(), StringComparison.Ordinal);
        Assert.Contains("table demo-project.chat.conversations: exists", second.ToString(), StringComparison.Ordinal);
        Assert.Contains("customer_courier_conversations: replaced", second.ToString(), StringComparison.Ordinal);
        Assert.Equal(["conversations", "customer_courier_conversations", "dead_letters", "orders"], fake.Tables.Keys.Order());
        var ddl = fake.Queries.Select(q => q.Sql).ToList();
        Assert.Equal(5, ddl.Count); // three tables and the view the first time, only the view the second time
        Assert.Contains("CREATE OR REPLACE VIEW `demo-project.chat.customer_courier_conversations`", ddl[^1], StringComparison.Ordinal);
        Assert.Empty(errors.ToString());
    }

    [Fact]
    public async Task SetupOfADatasetThatExistsInAnotherLocationStopsWithOneLineNamingBoth()
    {
        // Every query goes with Warehouse__Location: against a dataset elsewhere each read and write would fail.
        await using var fake = await FakeBigQuery.StartAsync(withTables: false);
        fake.Datasets[FakeBigQuery.Dataset] = true;
        fake.DatasetLocations[FakeBigQuery.Dataset] = "US";
        var (code, error) = await RunSetupAsync(fake);

        Assert.Equal(SetupCommand.FailedExitCode, code);
        Assert.Equal(
            "chatingest setup: Warehouse__Location is 'EU', but dataset demo-project.chat exists in 'US'; set Warehouse__Location=US, or name another dataset.",
            error);
        Assert.Empty(fake.Queries); // no table made in a dataset the service could not then use
    }

    [Fact]
    public async Task SetupOfTablesWithoutTheColumnsChatIngestWritesStopsNamingEveryProblemAndMakesNothing()
    {
        await using var fake = await FakeBigQuery.StartAsync(withTables: false);
        fake.Datasets[FakeBigQuery.Dataset] = true;
        // orders: order_id made a STRING, city_code gone, a REQUIRED column of its own; conversations: standard type
        // names and an extra NULLABLE column, both fine; dead_letters missing, which setup would create.
        var orders = new FakeTable("orders", IsView: false);
        var ordersFields = new JsonArray([.. orders.Fields
            .Where(f => (string?)f!["name"] != "city_code")
            .Select(f => (string?)f!["name"] == "order_id" ? new JsonObject { ["name"] = "order_id", ["type"] = "STRING", ["mode"] = "REQUIRED" } : f!.DeepClone())]);
        ordersFields.Add(new JsonObject { ["name"] = "region", ["type"] = "STRING", ["mode"] = "REQUIRED" });
        fake.Tables["orders"] = orders with { Fields = ordersFields };
        var conversations = new FakeTable("conversations", IsView: false);
        var conversationsFields = new JsonArray([.. conversations.Fields.Select(f => new JsonObject
        {
            ["name"] = f!["name"]!.DeepClone(),
            ["type"] = (string?)f["type"] switch { "INTEGER" => "INT64", "BOOLEAN" => "BOOL", var t => t },
            ["mode"] = "NULLABLE",
        })]);
        conversationsFields.Add(new JsonObject { ["name"] = "note", ["type"] = "STRING" });
        fake.Tables["conversations"] = conversations with { Fields = conversationsFields };
        var (code, error) = await RunSetupAsync(fake);

        Assert.Equal(SetupCommand.FailedExitCode, code);
        Assert.Equal(
            "chatingest setup: tables exist that would refuse the rows ChatIngest writes: demo-project.chat.orders (order_id is STRING, not INT64; "
            + "city_code STRING is missing; region is REQUIRED and ChatIngest does not write it; mend it with ALTER TABLE, "
            + "or drop it with bq rm -t demo-project:chat.orders if its rows may go). Or set Warehouse__Dataset to another dataset.",
            error);
        Assert.Empty(fake.Queries); // neither dead_letters created nor the view replaced over tables that take no rows
    }

    [Fact]
    public async Task SetupOfADatasetWhereAViewHasATablesNameStopsNamingIt()
    {
        await using var fake = await FakeBigQuery.StartAsync(withTables: true);
        var orders = fake.Tables["orders"];
        fake.Tables["orders"] = new FakeTable("orders", IsView: true) { Fields = orders.Fields }; // the right columns, but a view

        var (code, error) = await RunSetupAsync(fake);

        Assert.Equal(SetupCommand.FailedExitCode, code);
        Assert.Equal(
            "chatingest setup: tables exist that would refuse the rows ChatIngest writes: demo-project.chat.orders (VIEW, not a table: "
            + "drop it with bq rm -t demo-project:chat.orders). Or set Warehouse__Dataset to another dataset.",
            error);
        Assert.Empty(fake.Queries);
    }

    [Fact]
    public async Task SetupOfADatasetWhereATableHasTheViewsNameStopsBeforeMakingTheTables()
    {
        await using var fake = await FakeBigQuery.StartAsync(withTables: false);
        fake.Datasets[FakeBigQuery.Dataset] = true;
        fake.Tables["customer_courier_conversations"] = new FakeTable("customer_courier_conversations", IsView: false);

        var (code, error) = await RunSetupAsync(fake);

        Assert.Equal(SetupCommand.FailedExitCode, code);
        Assert.Equal(
            "chatingest setup: tables exist that would refuse the rows ChatIngest writes: demo-project.chat.customer_courier_conversations "
            + "(TABLE where the view goes: drop it with bq rm -t demo-project:chat.customer_courier_conversations if its rows may go). "
            + "Or set Warehouse__Dataset to another dataset.",
            error);
        Assert.Empty(fake.Queries); // no table made for a view that could not be
    }

    [Theory]
    [InlineData("orders", "content_key STRING, order_id INT64, city_code STRING, message_id STRING, publish_time TIMESTAMP, received_at TIMESTAMP")]
    [InlineData("conversations", "content_key STRING, order_id INT64, sender_app_type STRING, sender_role STRING, message_sent_time TIMESTAMP, "
        + "chat_started_by_message BOOL, order_stage STRING, from_id INT64, to_id INT64, courier_id INT64, customer_id INT64, message_id STRING, "
        + "publish_time TIMESTAMP, received_at TIMESTAMP")]
    [InlineData("dead_letters", "message_id STRING, reason STRING, detail STRING, publish_time TIMESTAMP, received_at TIMESTAMP, data BYTES")]
    public void TheColumnsOfEachCreateTableScriptAreReadAsItDeclaresThem(string table, string columns)
    {
        var declared = TableSchema.Declared(SqlScripts.Load($"bigquery/create_{table}.sql"));

        Assert.Equal(columns, string.Join(", ", declared.Select(c => $"{c.Name} {c.Type}")));
        Assert.All(declared, c => Assert.Equal("REQUIRED", c.Mode));
    }

    [Fact]
    public void AColumnLineTheCheckCannotReadStopsItRatherThanLeavingTheColumnOut()
    {
        const string script = "CREATE TABLE IF NOT EXISTS `{dataset}.t` (\n    a STRING NOT NULL,\n    b STRING OPTIONS(description = 'x')\n)\n";

        var refused = Assert.Throws<FormatException>(() => TableSchema.Declared(script));

        Assert.Contains("b STRING OPTIONS", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetupCommandThatBigQueryRefusesExitsNonZeroWithOneLine()
    {
        await using var fake = await FakeBigQuery.StartAsync(withTables: false);
        var settings = fake.Settings(retryBudget: "00:00:02");
        settings["Warehouse:ProjectId"] = "someone-elses-project";
        string[] args = ["setup", .. settings.Select(s => $"--{s.Key}={s.Value}")];
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var code = await SetupCommand.RunAsync(args, output, errors);

        Assert.Equal(SetupCommand.FailedExitCode, code);
        var line = Assert.Single(errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("chatingest setup: BigQuery answered 400", line, StringComparison.Ordinal);
    }

    /// <summary>The setup command against the fake: its exit code and its one line of error.</summary>
    private static async Task<(int Code, string Error)> RunSetupAsync(FakeBigQuery fake)
    {
        string[] args = ["setup", .. fake.Settings().Select(s => $"--{s.Key}={s.Value}")];
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var code = await SetupCommand.RunAsync(args, output, errors);
        return (code, Assert.Single(errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim());
    }
}
