using System.Net.Sockets;
using System.Text;

namespace ChatIngest.Tests.Support;

/// <summary>
/// HTTP/1.1 written by hand on a raw connection, for what HttpClient will not send: malformed chunks, a body cut short
/// or never ended (the service's own process, where Kestrel checks the framing).
/// </summary>
public static class RawHttp
{
    /// <summary>A POST's request line and headers, ended by <paramref name="headers"/> (each ending in CRLF), not yet by the blank line.</summary>
    public static string RequestHead(Uri address, string path, string headers) =>
        $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\n{headers}";

    /// <summary>
    /// A replay whose body is never ended, as a slow upload's: <paramref name="lines"/> as one chunk of a chunked body, or
    /// as the start of one whose Content-Length is far past them.
    /// </summary>
    public static byte[] UnendedReplay(Uri address, string token, byte[] lines, bool chunked)
    {
        var head = RequestHead(address, "/replay", $"Authorization: Bearer {token}\r\n")
            + (chunked ? $"Transfer-Encoding: chunked\r\n\r\n{lines.Length:x}\r\n" : "Content-Length: 10000000\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head), .. lines, .. (chunked ? "\r\n"u8.ToArray() : [])];
    }

    public static async Task<TcpClient> ConnectAsync(Uri address)
    {
        var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        return client;
    }

    /// <summary>
    /// An answer as it comes, up to the end of a chunked body (the terminating zero-length chunk), until
    /// <paramref name="enough"/> says so, or until the service closes the connection; 30 s at most.
    /// </summary>
    public static async Task<string> ReadAnswerAsync(NetworkStream stream, Func<string, bool>? enough = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        while (!answer.ToString().EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal) && enough?.Invoke(answer.ToString()) != true)
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return answer.ToString();
    }
}
