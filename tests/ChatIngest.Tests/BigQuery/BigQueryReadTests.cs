using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.BigQuery;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatIngest.Tests.BigQuery;

public sealed class BigQueryReadTests
{
    internal static readonly (string, string)[] ConversationFields =
    [
        ("order_id", "INTEGER"), ("city_code", "STRING"), ("first_courier_message", "TIMESTAMP"),
        ("first_customer_message", "TIMESTAMP"), ("num_messages_courier", "INT64"), ("num_messages_customer", "INTEGER"),
        ("first_message_by", "STRING"), ("conversation_started_at", "TIMESTAMP"), ("first_responsetime_delay_seconds", "INT64"),
        ("last_message_time", "TIMESTAMP"), ("last_message_order_stage", "STRING"),
    ];

    // 2^53 + 1 cannot survive a trip through a double; 1706781656 s is 2024-02-01T10:00:56Z.
    private static readonly string?[] WideRow =
    [
        "9007199254740993", null, "1706781656000000", "1.7067816565E9", "3", "0", "Courier", "1706781656000000", null,
        "1706781656.123456", "DELIVERED",
    ];

    private static readonly string?[] MaxRow =
    [
        "9223372036854775807", "IST", "1.7E9", "1700000031000000", "1", "2", "Courier", "1.7E9", "31", "1700000090500000", "ACCEPTED",
    ];

    [Fact]
    public async Task ConversationColumnsDecodeFromEveryEncodingBigQueryUses()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow, MaxRow]]);
        await using var services = BigQueryServices.Create(fake);

        var page = await services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), CancellationToken.None);

        var wide = page.Items[0];
        Assert.Equal(9007199254740993L, wide.OrderId);
        Assert.Null(wide.CityCode);
        Assert.Equal(new DateTime(2024, 2, 1, 10, 0, 56, DateTimeKind.Utc), wide.FirstCourierMessage);
        Assert.Equal(new DateTime(2024, 2, 1, 10, 0, 56, 500, DateTimeKind.Utc), wide.FirstCustomerMessage);
        Assert.Equal((3L, 0L), (wide.NumMessagesCourier, wide.NumMessagesCustomer));
        Assert.Null(wide.FirstResponsetimeDelaySeconds);
        Assert.Equal(new DateTime(2024, 2, 1, 10, 0, 56, DateTimeKind.Utc).AddTicks(1_234_560), wide.LastMessageTime);
        Assert.Equal(DateTimeKind.Utc, wide.LastMessageTime.Kind);

        var max = page.Items[1];
        Assert.Equal(long.MaxValue, max.OrderId);
        Assert.Equal(new DateTime(2023, 11, 14, 22, 13, 20, DateTimeKind.Utc), max.ConversationStartedAt);
        Assert.Equal(new DateTime(2023, 11, 14, 22, 13, 51, DateTimeKind.Utc), max.FirstCustomerMessage);
        Assert.Equal(31L, max.FirstResponsetimeDelaySeconds);
        Assert.Equal(new DateTime(2023, 11, 14, 22, 14, 50, 500, DateTimeKind.Utc), max.LastMessageTime);
        Assert.Null(page.NextPageToken);
    }

    [Fact]
    public async Task ApiAnswersA64BitOrderIdExactly()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]]);
        using var app = new ChatIngestApp(fake.Settings());

        var text = await app.CreateClient().GetStringAsync("/conversations/9007199254740993");

        Assert.Contains("\"order_id\":9007199254740993,", text, StringComparison.Ordinal);
        Assert.Contains("\"first_customer_message\":\"2024-02-01T10:00:56.5Z\"", text, StringComparison.Ordinal);
        var query = Assert.Single(fake.Queries);
        Assert.Equal(("INT64", "9007199254740993"), query.Parameters["order_id"]);
        Assert.Contains("`demo-project.chat.customer_courier_conversations`", query.Sql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListPollsWhileTheJobIsIncompleteAndFollowsPageTokens()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        string?[] Row(string id) => [id, "IST", null, "1706781656000000", "0", "1", "Customer", "1706781656000000", null, "1706781656000000", "ACCEPTED"];
        fake.Answer = q => new CannedResult(ConversationFields, [[Row("1")], [Row("2")], [Row("3")]], IncompletePolls: 2);
        await using var services = BigQueryServices.Create(fake);
        var startedAfter = new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

        var page = await services.Warehouse().ListConversationsAsync(
            new ConversationQuery(CityCode: "IST", StartedAfter: startedAfter, AfterOrderId: 0, Limit: 2, HasCity: true), CancellationToken.None);

        Assert.Equal([1L, 2L], page.Items.Select(r => r.OrderId));
        Assert.True(PageToken.TryReadConversation(page.NextPageToken!, out var last) && last == 2);
        var query = Assert.Single(fake.Queries);
        Assert.Equal(("STRING", "IST"), query.Parameters["city_code"]);
        Assert.Equal(("BOOL", "true"), query.Parameters["has_city"]);
        Assert.Equal(("STRING", null), query.Parameters["first_message_by"]);
        Assert.Equal(("TIMESTAMP", "2024-02-01 10:00:00.000000+00:00"), query.Parameters["started_after"]);
        Assert.Equal(("TIMESTAMP", null), query.Parameters["started_before"]);
        Assert.Equal(("INT64", "0"), query.Parameters["after_order_id"]);
        Assert.Equal(("INT64", "3"), query.Parameters["limit"]);
        var polls = fake.Requests.Where(r => r.Method == "GET" && r.Path.Contains("/queries/", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, polls.Count); // one still incomplete, the first page, then page-1 and page-2
        Assert.Equal(["page-1", "page-2"], polls.Select(p => System.Web.HttpUtility.ParseQueryString(p.Query)["pageToken"]).OfType<string>());
    }

    [Fact]
    public async Task DeadLettersDecodeBytesAndTimestampsAndPageByReceivedAtAndMessageId()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        (string, string)[] fields = [("message_id", "STRING"), ("reason", "STRING"), ("detail", "STRING"), ("publish_time", "TIMESTAMP"), ("received_at", "TIMESTAMP"), ("data", "BYTES"), ("shown", "BOOL")];
        fake.Answer = q => new CannedResult(fields, [[
            ["11", "not_json", "bad", "1706781656000000", "1706781657000001", Convert.ToBase64String([0, 255, 10]), "true"],
            ["12", "not_json", "bad", "1.706781656E9", "1706781658000000", null, "false"], // past the page: no data
        ]]);
        await using var services = BigQueryServices.Create(fake);
        var after = new DeadLetterPosition(new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc), "10");

        var page = await services.Warehouse().ListDeadLettersAsync(new DeadLetterQuery(after, Limit: 1, Reason: "not_json"), CancellationToken.None);

        var letter = Assert.Single(page.Items);
        Assert.Equal(new byte[] { 0, 255, 10 }, letter.Data);
        Assert.Equal(new DateTime(2024, 2, 1, 10, 0, 57, DateTimeKind.Utc).AddTicks(10), letter.ReceivedAt);
        Assert.True(PageToken.TryReadDeadLetter(page.NextPageToken!, out var next));
        Assert.Equal(new DeadLetterPosition(letter.ReceivedAt, "11"), next);
        var query = Assert.Single(fake.Queries);
        Assert.Equal(("STRING", "10"), query.Parameters["after_message_id"]);
        Assert.Equal(("INT64", "2"), query.Parameters["limit"]);
        Assert.Equal(("INT64", "16777216"), query.Parameters["data_budget"]);
        Assert.Equal(("STRING", "not_json"), query.Parameters["reason"]);
        Assert.Contains("reason = @reason", query.Sql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatsComeFromOneQueryAndDecodeItsThreePartsPercentilesAndANullCity()
    {
        // One query, so one job and one snapshot of the tables: three side by side could each see another set of rows
        // while they stream in, and the totals would not add up to the lists.
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(
            [("part", "INT64"), ("city_code", "STRING"), ("conversations", "INT64"), ("messages", "INT64"), ("median_first_response_seconds", "FLOAT64"),
             ("p90_first_response_seconds", "FLOAT"), ("started_by_courier", "INT64"), ("started_by_customer", "INT64"), ("stage", "STRING"), ("minute", "TIMESTAMP")],
            [[["1", "IST", "19", "66", "31", "54.2", "10", "9", null, null], ["1", null, "2", "4", null, null, "2", "0", null, null]],
             [["2", null, "15", null, null, null, null, null, "DELIVERED", null], ["2", null, "6", null, null, null, null, null, "ACCEPTED", null]],
             [["3", null, "2", null, null, null, null, null, null, "1.70678160E9"]]]);
        await using var services = BigQueryServices.Create(fake);

        var stats = await services.Warehouse().GetStatsAsync(new StatsQuery(StartedBefore: new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc)), CancellationToken.None);

        Assert.Equal((21L, 70L), (stats.Conversations, stats.Messages));
        Assert.Equal(new CityStats("IST", 19, 66, 31.0, 54.2, 10, 9), stats.Cities[0]);
        Assert.Equal(new CityStats(null, 2, 4, null, null, 2, 0), stats.Cities[1]);
        Assert.Equal([new StageCount("DELIVERED", 15), new StageCount("ACCEPTED", 6)], stats.LastStages);
        Assert.Equal(new MinuteCount(new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc), 2), Assert.Single(stats.StartedPerMinute));
        var query = Assert.Single(fake.Queries);
        Assert.Equal(("TIMESTAMP", "2024-03-01 00:00:00.000000+00:00"), query.Parameters["started_before"]);
    }

    [Fact]
    public async Task AQueryTheFakeCannotRunIsRefusedOnceWithItsReasonNotRetriedUntilTheBudgetEnds()
    {
        // The fake's own failure mode: SQL that BigQueryInDuckDb cannot run must show up as that error at once.
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = _ => throw new InvalidOperationException("no such function: BYTE_LENGTH");
        await using var services = BigQueryServices.Create(fake);

        var failure = await Assert.ThrowsAnyAsync<Exception>(
            () => services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), CancellationToken.None));

        Assert.Contains("no such function: BYTE_LENGTH", failure.Message, StringComparison.Ordinal);
        Assert.Single(fake.Queries);
        Assert.Contains(fake.Violations, v => v.Contains("threw InvalidOperationException", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadyzAsksBigQueryAndAnswers503WhenItDoesNotAnswer()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => q.Sql.Contains("SELECT 1", StringComparison.Ordinal) ? new CannedResult([("ready", "INT64")], [[["1"]]]) : null;
        var settings = fake.Settings(retryBudget: "00:00:01");
        using var app = new ChatIngestApp(settings);
        var client = app.CreateClient();

        using var ready = await client.GetAsync("/readyz");
        await fake.DisposeAsync();
        using var gone = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, gone.StatusCode);
        Assert.NotNull(gone.Headers.RetryAfter); // as every other 503: when to come back
        var problem = await gone.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("service log", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReadTheWarehouseCannotAnswerIs503WithoutAnUnhandledExceptionLogged()
    {
        var logs = new CapturedLogs();
        var fake = await FakeBigQuery.StartAsync();
        using var app = new ChatIngestApp(fake.Settings(retryBudget: "00:00:01"), configureServices: logs.Register);
        var client = app.CreateClient();
        await fake.DisposeAsync();

        using var stats = await client.GetAsync("/stats");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, stats.StatusCode); // the cause is the warehouse's own log line
        Assert.DoesNotContain(logs.Entries, e => e.Category.Contains("ExceptionHandler", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AQueryThatRunsLongerThanTheRetryBudgetIsPolledUntilItIsDone()
    {
        // BigQuery holds each call up to its timeoutMs while the job runs. The job here runs 6 s, longer than the
        // retry budget of one call, and far less than the query timeout: the read must keep polling, not give up.
        // (Seconds apart, not less: on a loaded 2-core machine a 750 ms wait was seen taking 1.6 s.)
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]], RunsFor: TimeSpan.FromSeconds(6));
        var settings = fake.Settings(retryBudget: "00:00:04", requestTimeout: "00:00:03");
        settings["Warehouse:BigQueryQueryTimeout"] = "00:00:30";
        using var app = new ChatIngestApp(settings);

        using var response = await app.CreateClient().GetAsync("/conversations/9007199254740993");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task AQueryThatOutlastsTheQueryTimeoutAnswers503()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]], RunsFor: TimeSpan.FromMinutes(5));
        var settings = fake.Settings();
        settings["Warehouse:BigQueryQueryTimeout"] = "00:00:01";
        using var app = new ChatIngestApp(settings);

        using var response = await app.CreateClient().GetAsync("/conversations");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AQueryPastTheQueryTimeoutGivesUpNamingThatSettingNotTheRetryBudgetAndIsCancelledAtBigQuery()
    {
        // Each call stays well inside its 20 s retry budget; only the query's own timeout can end this one in time. Each
        // call waits 0.5 s at the fake (half the request timeout), so the first answer (the job's id, to cancel it by)
        // has 3.5 s of the query timeout to come back in, however slow the machine.
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]], RunsFor: TimeSpan.FromMinutes(5));
        await using var services = BigQueryServices.Create(fake, new Dictionary<string, string?>
        {
            ["Warehouse:BigQueryQueryTimeout"] = "00:00:04",
            ["Warehouse:BigQueryRequestTimeout"] = "00:00:01",
        });

        var error = await Assert.ThrowsAsync<WarehouseUnavailableException>(
            () => services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), CancellationToken.None));

        Assert.Contains("Warehouse__BigQueryQueryTimeout", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Warehouse__BigQueryRetryBudget", error.Message, StringComparison.Ordinal);
        var polled = fake.Requests.Where(r => r.Method == "GET" && r.Path.Contains("/queries/", StringComparison.Ordinal))
            .Select(r => r.Path[(r.Path.LastIndexOf('/') + 1)..]).Distinct().ToList();
        var cancelled = Assert.Single(fake.CancelledJobs);
        Assert.Equal(Assert.Single(polled), cancelled.JobId);
        Assert.True(cancelled.WasRunning);
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task AQueryWhoseCallerGoesAwayIsCancelledAtBigQuery()
    {
        // The first call waits 2 s on the server (timeoutMs) and says "not complete"; the caller leaves during the next poll.
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]], RunsFor: TimeSpan.FromMinutes(5));
        await using var services = BigQueryServices.Create(fake);
        using var caller = new CancellationTokenSource();

        var read = services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), caller.Token);
        await Wait.UntilAsync(() => fake.Requests.Any(r => r.Method == "GET" && r.Path.Contains("/queries/", StringComparison.Ordinal)), "the first poll");

        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        var cancelled = Assert.Single(fake.CancelledJobs);
        Assert.True(cancelled.WasRunning);
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task AQueryThatFinishesIsNotCancelled()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]], IncompletePolls: 2);
        await using var services = BigQueryServices.Create(fake);

        var page = await services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), CancellationToken.None);

        Assert.Single(page.Items);
        Assert.Empty(fake.CancelledJobs);
    }

    [Fact]
    public async Task AQueryJobThatFailsWhileItIsPolledIsRunAgainAsANewJobInsteadOfPolledUntilTheRetryBudgetRunsOut()
    {
        // getQueryResults reports the job's own failure as an HTTP error (500 backendError), the same as a failure of the
        // API: polled again, a failed job fails again, whatever the wait.
        await using var fake = await FakeBigQuery.StartAsync();

        await ListAfterAFailedJobAsync(fake, runsFor: TimeSpan.FromSeconds(3));

        Assert.True(Assert.Single(fake.FailureAnswers).ToAPoll); // its failure was asked for once, by a poll
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task AQueryJobThatFailsWithinTheFirstCallIsRunAgainUnderANewRequestId()
    {
        // The same requestId brings back the job it started, failed: the next try must be a new request.
        await using var fake = await FakeBigQuery.StartAsync();

        await ListAfterAFailedJobAsync(fake, runsFor: TimeSpan.Zero);

        Assert.False(Assert.Single(fake.FailureAnswers).ToAPoll);
        Assert.Empty(fake.Violations);
    }

    /// <summary>
    /// Lists conversations where the query's first job fails with 500 <c>backendError</c> once it has run for
    /// <paramref name="runsFor"/>, and the next succeeds: the page comes from a second job, started under a new requestId.
    /// Each call waits at most 1 s at the fake (half the 2 s request timeout: a call has another second to come back
    /// in), so a job that runs for 3 s fails while it is polled, however slow the machine.
    /// </summary>
    private static async Task ListAfterAFailedJobAsync(FakeBigQuery fake, TimeSpan runsFor)
    {
        var jobs = 0;
        fake.Answer = q => Interlocked.Increment(ref jobs) == 1
            ? new CannedResult(ConversationFields, [[WideRow]], RunsFor: runsFor, FailsWith: (500, "backendError"))
            : new CannedResult(ConversationFields, [[WideRow]]);
        await using var services = BigQueryServices.Create(fake, new Dictionary<string, string?> { ["Warehouse:BigQueryRequestTimeout"] = "00:00:02" }, retryBudget: "00:00:08");

        var page = await services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), CancellationToken.None);

        Assert.Single(page.Items);
        Assert.Equal(2, fake.Queries.Select(q => q.RequestId).Distinct().Count());
    }

    [Fact]
    public async Task AQueryWhoseJobsKeepFailingGivesUpAfterThreeJobsAsUnavailable()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        // Each job fails 1.5 s after the first call's wait (1 s here, half the request timeout), while it is polled: a job
        // that failed within that first call would be sent again under the retry budget instead, a new job each time.
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]], RunsFor: TimeSpan.FromSeconds(2.5), FailsWith: (500, "backendError"));
        await using var services = BigQueryServices.Create(fake, new Dictionary<string, string?> { ["Warehouse:BigQueryRequestTimeout"] = "00:00:02" });

        var error = await Assert.ThrowsAsync<WarehouseUnavailableException>( // a 503 with Retry-After for a read
            () => services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), CancellationToken.None));

        Assert.Contains("ran the query 3 times", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, fake.Queries.Select(q => q.RequestId).Distinct().Count());
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task AQueryJobThatFailsForAReasonANewJobWouldMeetAgainIsNotRunAgain()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]], RunsFor: TimeSpan.FromSeconds(3), FailsWith: (400, "invalidQuery"));
        await using var services = BigQueryServices.Create(fake);

        var error = await Assert.ThrowsAnyAsync<Exception>(
            () => services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), CancellationToken.None));

        Assert.IsNotType<WarehouseUnavailableException>(error); // the query is wrong: a 500, not "try again"
        Assert.Contains("invalidQuery", error.Message, StringComparison.Ordinal);
        Assert.Single(fake.Queries);
        Assert.Contains(fake.Requests, r => r.Method == "GET" && r.Path.EndsWith($"/jobs/{Assert.Single(fake.FailureAnswers).JobId}", StringComparison.Ordinal));
        Assert.Empty(fake.CancelledJobs); // it had ended: nothing to cancel
    }

    [Fact]
    public async Task AReadBigQueryWouldBillPastTheLimitAnswers500NamingTheSettingOnceWithoutRetryAfter()
    {
        var logs = new CapturedLogs();
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]]);
        fake.BytesBilled = _ => 31_457_280; // 30 MiB
        var settings = fake.Settings();
        settings["Warehouse:BigQueryMaximumBytesBilled"] = "20971520";
        using var app = new ChatIngestApp(settings, configureServices: logs.Register);

        using var response = await app.CreateClient().GetAsync("/conversations");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Headers.RetryAfter); // asking again meets the same limit
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("BigQuery refused the read: it would bill more bytes than allowed.", problem.GetProperty("title").GetString());
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("Warehouse__BigQueryMaximumBytesBilled (20971520 bytes)", detail, StringComparison.Ordinal);
        Assert.Contains("31457280 or higher required", detail, StringComparison.Ordinal); // BigQuery's own words: what it needs
        Assert.Equal(20_971_520L, Assert.Single(fake.Queries).MaximumBytesBilled); // one job: not run again, not retried
        Assert.Contains(logs.Entries, e => e.EventId == 321 && e.Level == LogLevel.Warning);
        Assert.DoesNotContain(logs.Entries, e => e.Category.Contains("ExceptionHandler", StringComparison.Ordinal));
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task ReadsRefusedForTheirBytesBilledAreOneWarningAMinuteThenACount()
    {
        // A dashboard asks /stats every 3 s and keeps asking: a warning each would bury every other line.
        var logs = new CapturedLogs();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]]);
        fake.BytesBilled = _ => 31_457_280; // 30 MiB
        await using var services = BigQueryServices.Create(
            fake, new Dictionary<string, string?> { ["Warehouse:BigQueryMaximumBytesBilled"] = "20971520" },
            configure: s =>
            {
                logs.Register(s);
                s.AddSingleton<TimeProvider>(clock); // the window's clock; the fake answers at once, so no timeout needs it
            });
        Task Refused() => Assert.ThrowsAsync<QueryCostLimitException>(
            () => services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), CancellationToken.None));

        for (var read = 0; read < 3; read++)
        {
            await Refused();
        }

        Assert.Single(logs.Entries, e => e.EventId == 321);
        Assert.DoesNotContain(logs.Entries, e => e.EventId == 322); // the minute is not over

        clock.Advance(TimeSpan.FromSeconds(61));
        var counted = Assert.Single(logs.Entries, e => e.EventId == 322); // at the minute's end
        Assert.Equal((2L, LogLevel.Warning), ((long)counted.Values["Count"]!, counted.Level));
        clock.Advance(TimeSpan.FromSeconds(61)); // a quiet minute after the count
        await Refused();
        Assert.Equal(2, logs.Entries.Count(e => e.EventId == 321)); // a line again
    }

    [Fact]
    public async Task ABigQueryCallWritesNoLogLinesOfItsOwnWhenItSucceeds()
    {
        // HttpClient's own logging is four Information lines a call (start, send, headers, end): on Cloud Logging, four
        // billed lines for every push's commit and every read, burying the service's own.
        var logs = new CapturedLogs();
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]]);
        using var app = new ChatIngestApp(fake.Settings(), configureServices: logs.Register);

        using var response = await app.CreateClient().GetAsync("/conversations");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(fake.Requests, r => r.Path.EndsWith("/queries", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("System.Net.Http", StringComparison.Ordinal) && e.Level < LogLevel.Warning);
    }

    [Fact]
    public async Task AJobThatFailsForItsBytesBilledIsNotRunAgainAndNamesTheProjectsDefaultWhenNoLimitIsSet()
    {
        // A project's default maximum bytes billed can refuse a read too, and BigQuery may report it as the job's failure.
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]], RunsFor: TimeSpan.FromSeconds(3), FailsWith: (400, "bytesBilledLimitExceeded"));
        await using var services = BigQueryServices.Create(fake);

        var error = await Assert.ThrowsAsync<QueryCostLimitException>(
            () => services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), CancellationToken.None));

        Assert.Contains("the project's default maximum bytes billed", error.Message, StringComparison.Ordinal);
        Assert.Contains("Warehouse__BigQueryMaximumBytesBilled", error.Message, StringComparison.Ordinal);
        Assert.Null(Assert.Single(fake.Queries).MaximumBytesBilled); // unset: none sent
        Assert.Empty(fake.Violations);
    }

    [Fact]
    public async Task AReadWithinTheBytesBilledLimitRunsWithTheLimitSent()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]]);
        fake.BytesBilled = _ => 20_971_520; // the least a limit may be: two tables' 10 MiB
        await using var services = BigQueryServices.Create(
            fake, new Dictionary<string, string?> { ["Warehouse:BigQueryMaximumBytesBilled"] = "20971520" });

        var page = await services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), CancellationToken.None);

        Assert.Single(page.Items);
        Assert.Equal(20_971_520L, Assert.Single(fake.Queries).MaximumBytesBilled);
        Assert.Empty(fake.Violations);
    }

    [Theory]
    [InlineData(null, 65_000L)]
    [InlineData("00:00:07.5", 12_500L)]
    public async Task EveryQueryAsksBigQueryToStopItselfOneExchangePastTheQueryTimeout(string? queryTimeout, long expectedJobTimeoutMs)
    {
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Answer = q => new CannedResult(ConversationFields, [[WideRow]]);
        await using var services = BigQueryServices.Create(
            fake, queryTimeout is null ? null : new Dictionary<string, string?> { ["Warehouse:BigQueryQueryTimeout"] = queryTimeout });

        await services.Warehouse().ListConversationsAsync(new ConversationQuery(Limit: 10), CancellationToken.None);

        Assert.Equal(expectedJobTimeoutMs, Assert.Single(fake.Queries).JobTimeoutMs);
        Assert.Empty(fake.Violations);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")] // ASP.NET Core's own writer declines this Accept: the answer was a bare 503
    [InlineData("text/html, application/xhtml+xml")]
    public async Task ReadThatOutlastsTheRetryBudgetAnswers503(string? accept)
    {
        await using var fake = await FakeBigQuery.StartAsync();
        await fake.DisposeAsync();
        using var app = new ChatIngestApp(fake.Settings(retryBudget: "00:00:00.5"));

        using var response = await app.CreateClient().GetAcceptingAsync("/conversations", accept);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options")); // set again: the exception handler cleared it
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("The warehouse is unavailable; try again shortly.", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("Warehouse__BigQueryRetryBudget", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
