using System.Net.Sockets;
using System.Text;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Api;

/// <summary>HEAD as RFC 9110 has it: GET's answer without the body. The real process, since Kestrel drops the body.</summary>
public sealed class HeadRequestTests : IDisposable
{
    private readonly string directory = TempPaths.NewDirectory();

    public void Dispose() => TempPaths.TryDelete(directory);

    [Fact]
    public async Task HeadOfEveryReadAnswersAsGetWithoutABody()
    {
        await using var service = await ServiceProcess.StartAsync(Path.Combine(directory, "head.duckdb"));
        string[] paths = ["/healthz", "/readyz", "/conversations", "/conversations/1", "/dead-letters", "/stats", "/dashboard"];

        foreach (var path in paths)
        {
            using var get = await service.Client.GetAsync(path);
            using var head = await service.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            Assert.Equal(get.StatusCode, head.StatusCode);
            Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        }

        // On one connection, a HEAD then a GET: had the HEAD carried a body, it would be read as the GET's status line.
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(service.Address.Host, service.Address.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
        {
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var answers = received.ToString().Split("HTTP/1.1 ", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, answers.Length);
        Assert.StartsWith("200 OK", answers[0], StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", answers[0], StringComparison.Ordinal); // headers, and nothing after them
        Assert.DoesNotContain("\"status\"", answers[0], StringComparison.Ordinal);
        Assert.Contains("{\"status\":\"ok\"}", answers[1], StringComparison.Ordinal);
    }
}
