using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ChatIngest.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ChatIngest.Tests.Api;

/// <summary>With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, the ingest metrics are pushed there (OTLP over HTTP/protobuf).</summary>
[Collection(SoloCollection.Name)]
public sealed class OtlpExportTests
{
    [Theory]
    [InlineData(null, null, "chatingest")]
    [InlineData("team=chat,service.name=ingest-eu", "chatingest-00007-abc", "ingest-eu")] // Cloud Run's K_REVISION: the version
    [InlineData("service.name=ingest-eu", null, "ingest-us", "ingest-us")] // OTEL_SERVICE_NAME wins over the attributes
    public async Task IngestMetricsArePushedToTheConfiguredOtlpEndpointAsTheServiceAndInstance(
        string? attributes, string? revision, string service, string? serviceName = null)
    {
        var received = new ConcurrentQueue<byte[]>();
        await using var collector = await LoopbackServer.StartAsync(app => app.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Enqueue(body.ToArray());
            return Results.Ok();
        }));

        await using var app = new ChatIngestApp(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Address.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
            ["OTEL_RESOURCE_ATTRIBUTES"] = attributes,
            ["OTEL_SERVICE_NAME"] = serviceName,
            ["K_REVISION"] = revision,
        });
        using var response = await app.CreateClient().PushAsync(Payloads.CourierStart(1), "otlp-1", DateTime.UtcNow);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        bool Exported() => received.Any(b => Encoding.UTF8.GetString(b).Contains("chatingest.messages.received", StringComparison.Ordinal));
        await Wait.UntilAsync(Exported);

        // The resource, as protobuf bytes: each attribute a key, then its string value a few bytes on. Instances of one
        // service must tell their cumulative series apart: a service name, and an instance id of each one's own.
        var export = Encoding.Latin1.GetString(received.First(b => Encoding.UTF8.GetString(b).Contains("chatingest.messages.received", StringComparison.Ordinal)));
        Assert.Matches($@"service\.name[\s\S]{{2,6}}{service}(?![.\w-])", export);
        Assert.Matches(@"service\.instance\.id[\s\S]{2,6}[0-9a-f]{8}-[0-9a-f]{4}-", export);
        if (revision is not null)
        {
            Assert.Matches($@"service\.version[\s\S]{{2,6}}{revision}", export);
        }
    }
}
