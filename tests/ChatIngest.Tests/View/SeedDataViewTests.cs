using System.Globalization;
using System.Net;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.View;

/// <summary>The seed's 1,801 lines pushed as Pub/Sub envelopes give the 400 rows VIEW.md defines.</summary>
public sealed class SeedDataViewTests : IDisposable
{
    private readonly ChatIngestApp app = new();

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task EverySeedLinePushedGivesAll400RowsTheModelComputes()
    {
        var client = app.CreateClient();
        var codes = new HttpStatusCode[SeedData.Published.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, codes.Length), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var m = SeedData.Published[i];
            using var response = await client.PushAsync(m.Json, m.MessageId, m.PublishTime);
            codes[i] = response.StatusCode;
        });

        Assert.All(codes, c => Assert.Equal(HttpStatusCode.NoContent, c));
        var expected = ViewModel.Compute(SeedData.Published);
        var actual = await ViewReader.ReadAllAsync(client, pageSize: 150);

        Assert.Equal(400, expected.Count);
        Assert.Equal(expected.Keys.Order(), actual.Select(r => r.OrderId)); // every order once, in order_id order
        Assert.All(actual, row => Assert.Equal(expected[row.OrderId], row));
    }

    [Fact]
    public void TheModelAgreesWithTheSeedProjectsExpectedView()
    {
        // The oracle itself is checked against the seed's own answers (expected_view.csv), so a bug shared by the
        // model and the SQL cannot hide.
        var model = ViewModel.Compute(SeedData.Published);
        var lines = File.ReadAllLines(TempPaths.SharedData("expected_view.csv"));
        var header = lines[0].Split(',');
        Assert.Equal(ViewReader.Columns, header);
        Assert.Equal(400, lines.Length - 1);
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            var row = model[long.Parse(f[0], CultureInfo.InvariantCulture)];
            Assert.Equal(f[1], row.CityCode ?? "");
            Assert.Equal(f[2], Format(row.FirstCourierMessage));
            Assert.Equal(f[3], Format(row.FirstCustomerMessage));
            Assert.Equal(f[4], row.NumMessagesCourier.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(f[5], row.NumMessagesCustomer.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(f[6], row.FirstMessageBy);
            Assert.Equal(f[7], Format(row.ConversationStartedAt));
            Assert.Equal(f[8], row.FirstResponsetimeDelaySeconds?.ToString(CultureInfo.InvariantCulture) ?? "");
            Assert.Equal(f[9], Format(row.LastMessageTime));
            Assert.Equal(f[10], row.LastMessageOrderStage);
        }
    }

    private static string Format(DateTime? t) =>
        t?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";
}
