namespace ChatIngest.Api.Hosting;

/// <summary>Whether a request body came with a Content-Encoding that would have to be undone before reading it.</summary>
internal static class ContentEncodings
{
    public static bool IsEncoded(HttpRequest request, out string encoding)
    {
        encoding = request.Headers.ContentEncoding.ToString().Trim();
        return encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase);
    }
}
