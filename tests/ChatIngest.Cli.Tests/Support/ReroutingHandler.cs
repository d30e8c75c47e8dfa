namespace ChatIngest.Cli.Tests.Support;

/// <summary>
/// Sends every request to a loopback fake instead of the host it names (https://pubsub.googleapis.com/v1/… →
/// http://127.0.0.1:port/v1/…), path, headers and body unchanged: the production address, no real network.
/// </summary>
internal sealed class ReroutingHandler(Uri to) : DelegatingHandler(new SocketsHttpHandler())
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.RequestUri = new UriBuilder(request.RequestUri!) { Scheme = to.Scheme, Host = to.Host, Port = to.Port }.Uri;
        return base.SendAsync(request, cancellationToken);
    }
}
