using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.BigQuery;

public sealed class BigQueryWriteTests
{
    [Theory]
    [InlineData(429, "rateLimitExceeded")]
    [InlineData(500, "backendError")]
    [InlineData(502, "backendError")]
    [InlineData(503, "backendError")]
    [InlineData(504, "backendError")]
    [InlineData(403, "rateLimitExceeded")]
    [InlineData(403, "quotaExceeded")]
    public async Task TransientAnswerIsRetriedUntilTheRowLands(int status, string reason)
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.InsertFailure = (_, call) => call <= 2 ? new FakeFailure(status, reason) : null;
        await using var services = BigQueryServices.Create(fake);

        var outcomes = await services.Warehouse().WriteAsync([BigQueryServices.Chat(7, 0)], CancellationToken.None);

        Assert.Equal([RowOutcome.Stored], outcomes);
        Assert.Equal(3, fake.InsertCalls);
        Assert.Single(fake.Rows("conversations"));
        Assert.Empty(fake.Violations);
    }

    [Theory]
    [InlineData(403, "accessDenied")]
    [InlineData(404, "notFound")]
    [InlineData(400, "invalid")]
    public async Task PermanentAnswerIsNotRetriedByTheClient(int status, string reason)
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.InsertFailure = (_, _) => new FakeFailure(status, reason);
        await using var services = BigQueryServices.Create(fake);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => services.Warehouse().WriteAsync([BigQueryServices.Chat(7, 0)], CancellationToken.None));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, fake.InsertCalls);
    }

    [Theory]
    [InlineData('<', 1_500_000)] // the default encoder writes each as \u003C: 6 bytes, 9 MB in all
    [InlineData('é', 1_600_000)] // 2 bytes of UTF-8, 6 escaped
    public async Task ALargeMessageOfCharactersJsonNeedNotEscapeIsStoredNotParked(char c, int count)
    {
        await using var fake = await FakeBigQuery.StartAsync();
        await using var services = BigQueryServices.Create(fake);
        var stage = new string(c, count); // VIEW.md sets orderStage no upper limit; Pub/Sub's is 10 MB a message

        var outcomes = await services.Warehouse().WriteAsync([BigQueryServices.Chat(7, 0, stage)], CancellationToken.None);

        Assert.Equal([RowOutcome.Stored], outcomes);
        Assert.Equal(stage, Assert.Single(fake.Rows("conversations"))["order_stage"]?.GetValue<string>());
        Assert.Empty(fake.Rows("dead_letters"));
    }

    [Theory]
    [InlineData("no such field: sender_role.")] // a column the rows have and the table lacks
    [InlineData("Missing required field: region.")] // a REQUIRED column the table has and the rows do not fill
    public async Task ATableOfAnotherShapeThanTheRowsRefusesThePushWith503InsteadOfParkingIt(string refusal)
    {
        // A table made by another version: every row is "invalid" for a column. That is no fault of the message, so
        // nothing is acknowledged; once the table is altered, Pub/Sub's redelivery lands.
        await using var fake = await FakeBigQuery.StartAsync();
        var altered = false;
        fake.InvalidRow = (table, _) => table == "conversations" && !Volatile.Read(ref altered) ? refusal : null;
        using var app = new ChatIngestApp(fake.Settings(retryBudget: "00:00:01"));
        var client = app.CreateClient();
        var published = new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

        using var refused = await client.PushAsync(Payloads.CourierStart(42), "m-42", published);
        Volatile.Write(ref altered, true);
        using var redelivered = await client.PushAsync(Payloads.CourierStart(42), "m-42", published);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.NoContent), (refused.StatusCode, redelivered.StatusCode));
        Assert.Empty(fake.Rows("dead_letters"));
        Assert.Single(fake.Rows("conversations"));
    }

    [Fact]
    public async Task SlowAnswerIsAbandonedAndTheRowIsSentAgain()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.InsertFailure = (_, call) => call == 1 ? new FakeFailure(200, Delay: TimeSpan.FromMinutes(5)) : null;
        await using var services = BigQueryServices.Create(fake, new Dictionary<string, string?> { ["Warehouse:BigQueryRequestTimeout"] = "00:00:03" });

        var outcomes = await services.Warehouse().WriteAsync([BigQueryServices.Chat(7, 0)], CancellationToken.None);

        Assert.Equal([RowOutcome.Stored], outcomes);
        Assert.Equal(2, fake.InsertCalls);
        Assert.Single(fake.Rows("conversations"));
    }

    [Fact]
    public async Task RowsAnsweredWithRetryableReasonsAreSentAgainAndLandOnce()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.RetryableRowError = (_, call, json) => call != 1 ? null : (string?)json["order_id"] switch
        {
            "11" => "backendError",
            "12" => "stopped",
            _ => null,
        };
        await using var services = BigQueryServices.Create(fake);
        IngestRecord[] records = [BigQueryServices.Chat(10, 0), BigQueryServices.Chat(11, 0), BigQueryServices.Chat(12, 0)];

        var outcomes = await services.Warehouse().WriteAsync(records, CancellationToken.None);

        Assert.All(outcomes, o => Assert.Equal(RowOutcome.Stored, o));
        Assert.Equal(["10", "11", "12"], fake.Rows("conversations").Select(r => (string)r["order_id"]!).Order().ToArray());
        var second = fake.Requests.Where(r => r.Path.EndsWith("/insertAll", StringComparison.Ordinal)).ElementAt(1);
        Assert.Equal(2, second.Body!["rows"]!.AsArray().Count);
    }

    [Fact]
    public async Task BatchIsSplitIntoRequestsOfAtMost500Rows()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        await using var services = BigQueryServices.Create(fake);
        var records = Enumerable.Range(1, 1201).Select(i => (IngestRecord)BigQueryServices.Chat(i, 0)).ToList();

        await services.Warehouse().WriteAsync(records, CancellationToken.None);

        var sizes = fake.Requests.Where(r => r.Path.EndsWith("/insertAll", StringComparison.Ordinal))
            .Select(r => r.Body!["rows"]!.AsArray().Count).Order().ToArray();
        Assert.Equal([201, 500, 500], sizes);
        Assert.Equal(1201, fake.Rows("conversations").Count);
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task LargeRowsAreSpreadOverRequestsUnder9MegabytesAndAnOversizedDeadLetterKeepsItsStart()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        await using var services = BigQueryServices.Create(fake);
        var big = new byte[3_000_000];
        var huge = new byte[8_000_000];
        Random.Shared.NextBytes(huge);
        IngestRecord[] records = [.. Enumerable.Range(1, 4).Select(i => IngestRecords.DeadLetter($"{i}", big)), IngestRecords.DeadLetter("5", huge)];

        var outcomes = await services.Warehouse().WriteAsync(records, CancellationToken.None);

        Assert.All(outcomes, o => Assert.Equal(RowOutcome.Stored, o));
        Assert.Empty(fake.Violations); // the fake notes every body of 9 MB or more
        Assert.True(fake.InsertCalls >= 3, $"{fake.InsertCalls} requests for 5 rows of 4 MB and more");
        var cut = fake.Rows("dead_letters").Single(r => (string?)r["message_id"] == "5");
        Assert.Equal(huge[..6_000_000], Convert.FromBase64String((string)cut["data"]!));
        Assert.Contains("data cut from 8000000", (string?)cut["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARedeliveryIsSentWithTheSameInsertIdAndAnotherPublicationOfTheSameContentWithItsOwn()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        using var app = new ChatIngestApp(fake.Settings());
        var client = app.CreateClient();
        const string json = """{"senderAppType":"Courier Android","courierId":1,"fromId":1,"toId":2,"chatStartedByMessage":true,"orderId":42,"orderStage":"ACCEPTED","customerId":2,"messageSentTime":"2024-02-01T10:00:56Z"}""";
        const string reordered = """{"orderId":42,"senderAppType":"Courier Android","courierId":1,"fromId":1,"toId":2,"chatStartedByMessage":true,"orderStage":"ACCEPTED","customerId":2,"messageSentTime":"2024-02-01T10:00:56Z"}""";

        using var first = await client.PushAsync(json, "1", DateTime.UtcNow);
        using var redelivery = await client.PushAsync(json, "1", DateTime.UtcNow);
        using var replay = await client.PushAsync(reordered, "2", DateTime.UtcNow);

        Assert.All(new[] { first, redelivery, replay }, r => Assert.Equal(HttpStatusCode.NoContent, r.StatusCode));
        var sent = fake.Requests.Where(r => r.Path.EndsWith("/insertAll", StringComparison.Ordinal))
            .SelectMany(r => r.Body!["rows"]!.AsArray()).Select(row => (string)row!["insertId"]!).ToList();
        Assert.Equal(3, sent.Count);
        Assert.Equal(sent[0], sent[1]);
        Assert.NotEqual(sent[0], sent[2]);
        var rows = fake.Rows("conversations");
        Assert.Equal(["1", "2"], rows.Select(r => (string)r["message_id"]!));
        Assert.Single(rows.Select(r => (string)r["content_key"]!).Distinct()); // one message, two publications: the view counts it once
    }

    [Fact]
    public async Task AnEarlierPublicationArrivingSecondIsStillStoredSoTheViewCanPickTheFirst()
    {
        // An order's city is its first-published order event's (VIEW.md). Here the order's first event (IST, published
        // 10:00) reaches the warehouse after a later copy of itself (published 10:05, say a replay), and a different
        // event (AMS) was published between them. Were the copy's row to stand for the content, AMS would look first.
        await using var fake = await FakeBigQuery.StartAsync();
        using var app = new ChatIngestApp(fake.Settings());
        var client = app.CreateClient();
        var t0 = new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

        using var copy = await client.PushAsync("""{"orderId":42,"cityCode":"IST"}""", "30", t0.AddMinutes(5));
        using var other = await client.PushAsync("""{"orderId":42,"cityCode":"AMS"}""", "20", t0.AddMinutes(2));
        using var original = await client.PushAsync("""{"orderId":42,"cityCode":"IST"}""", "10", t0);

        Assert.All(new[] { copy, other, original }, r => Assert.Equal(HttpStatusCode.NoContent, r.StatusCode));
        var first = fake.Rows("orders").MinBy(r => DateTime.Parse((string)r["publish_time"]!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal))!;
        Assert.Equal(("IST", "10"), ((string?)first["city_code"], (string?)first["message_id"]));
    }

    [Fact]
    public async Task ADeadLetterWithTheLongestMessageIdStillGetsAnInsertIdBigQueryTakes()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        await using var services = BigQueryServices.Create(fake);
        var longest = new string('7', 256);

        await services.Warehouse().WriteAsync([IngestRecords.DeadLetter(longest, [1, 2]), IngestRecords.DeadLetter("77", [1, 2])], CancellationToken.None);

        Assert.Equal([longest, "77"], fake.Rows("dead_letters").Select(r => (string)r["message_id"]!));
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task PushAnswers503WithRetryAfterWhileBigQueryStaysUnavailableThen204()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.InsertFailure = (_, _) => new FakeFailure(503);
        var settings = fake.Settings(retryBudget: "00:00:00.5");
        settings["Ingest:CommitRetryBudget"] = "00:00:01.5";
        using var app = new ChatIngestApp(settings);
        var client = app.CreateClient();
        const string json = """{"senderAppType":"Customer iOS","courierId":1,"fromId":2,"toId":1,"chatStartedByMessage":true,"orderId":42,"orderStage":"ACCEPTED","customerId":2,"messageSentTime":"2024-02-01T10:00:56Z"}""";

        using var refused = await client.PushAsync(json, "1", DateTime.UtcNow);
        fake.InsertFailure = (_, _) => null;
        using var accepted = await client.PushAsync(json, "1", DateTime.UtcNow);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter is not null, "a 503 must carry Retry-After");
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        Assert.Single(fake.Rows("conversations"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task InvalidRowIsDeadLetteredAndItsBatchMatesLand(bool listsStoppedRows)
    {
        // With skipInvalidRows=false one invalid row keeps the whole request out. Whether BigQuery lists its batch-mates
        // as "stopped" or not, they were not written and must go again.
        await using var fake = await FakeBigQuery.StartAsync();
        fake.ListsStoppedRows = listsStoppedRows;
        fake.InvalidRow = (table, row) => table == "conversations" && (string?)row["order_stage"] == "BROKEN"
            ? "Invalid value for field order_stage" : null;
        using var app = new ChatIngestApp(fake.Settings());
        var lines = string.Join('\n',
            """{"orderId":42,"cityCode":"IST"}""",
            """{"senderAppType":"Courier Android","courierId":1,"fromId":1,"toId":2,"chatStartedByMessage":true,"orderId":42,"orderStage":"ACCEPTED","customerId":2,"messageSentTime":"2024-02-01T10:00:56Z"}""",
            """{"senderAppType":"Customer iOS","courierId":1,"fromId":2,"toId":1,"chatStartedByMessage":false,"orderId":42,"orderStage":"BROKEN","customerId":2,"messageSentTime":"2024-02-01T10:01:30Z"}""");

        using var response = await app.CreateClient().PostAsync("/replay", new StringContent(lines, System.Text.Encoding.UTF8, "application/x-ndjson"));
        var summary = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((1, 1, 1), ((int)summary["orders"]!, (int)summary["messages"]!, (int)summary["invalid"]!));
        Assert.Single(fake.Rows("orders"));
        Assert.Equal("ACCEPTED", (string?)Assert.Single(fake.Rows("conversations"))["order_stage"]);
        var letter = Assert.Single(fake.Rows("dead_letters"));
        Assert.Equal(InvalidReason.RejectedByWarehouse, (string?)letter["reason"]);
        Assert.Contains("Invalid value for field order_stage", (string?)letter["detail"], StringComparison.Ordinal);
        var data = JsonNode.Parse(Convert.FromBase64String((string)letter["data"]!))!;
        Assert.Equal("BROKEN", (string?)data["order_stage"]);
        Assert.Equal((string?)data["message_id"], (string?)letter["message_id"]);
        Assert.Empty(fake.Violations);
    }
}
