namespace ChatIngest.Tests.Support;

/// <summary>How a <see cref="ServiceProcess"/> is told where to listen.</summary>
public enum ListenVia
{
    /// <summary><c>--urls</c>.</summary>
    Urls,

    /// <summary><c>PORT</c>, as on Cloud Run.</summary>
    Port,

    /// <summary><c>Kestrel__Endpoints__Http__Url</c>, which Kestrel takes over the URLs.</summary>
    KestrelEndpoint,
}
