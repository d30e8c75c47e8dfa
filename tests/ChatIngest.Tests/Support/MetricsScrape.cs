using System.Globalization;
using System.Net;

namespace ChatIngest.Tests.Support;

/// <summary>
/// <c>GET /metrics</c> (Prometheus text) as samples keyed by name and labels, without the <c>otel_scope_*</c> labels;
/// samples that differ only in those are added up.
/// </summary>
public static class MetricsScrape
{
    public static async Task<Dictionary<string, double>> ScrapeAsync(this HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var samples = new Dictionary<string, double>();
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            var key = StripScopeLabels(line[..space]);
            if (double.TryParse(line[(space + 1)..], CultureInfo.InvariantCulture, out var number))
            {
                samples[key] = samples.GetValueOrDefault(key) + number;
            }
        }

        return samples;
    }

    private static string StripScopeLabels(string series)
    {
        var brace = series.IndexOf('{', StringComparison.Ordinal);
        if (brace < 0)
        {
            return series;
        }

        var labels = series[(brace + 1)..^1].Split(',').Where(l => !l.StartsWith("otel_scope_", StringComparison.Ordinal)).ToArray();
        return labels.Length == 0 ? series[..brace] : $"{series[..brace]}{{{string.Join(',', labels)}}}";
    }
}
