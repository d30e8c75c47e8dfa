namespace ChatIngest.Tests.Support;

/// <summary>Whether anything still holds an object, seen through a weak reference after full collections.</summary>
public static class Reachability
{
    public static bool IsReachable(WeakReference reference)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return reference.IsAlive;
    }
}
