using ChatIngest.Core.Warehouse.DuckDb;

namespace ChatIngest.Tests.Support;

/// <summary>Holds the loader's connection lock on a thread of its own until disposed.</summary>
internal sealed class LoaderStall : IDisposable
{
    private readonly ManualResetEventSlim release = new();
    private readonly Thread holder;

    public LoaderStall(DuckDbLoader loader)
    {
        using var held = new ManualResetEventSlim();
        holder = new Thread(() =>
        {
            lock (loader.Database)
            {
                held.Set();
                release.Wait();
            }
        });
        holder.Start();
        held.Wait();
    }

    public void Dispose()
    {
        release.Set();
        holder.Join();
        release.Dispose();
    }
}
