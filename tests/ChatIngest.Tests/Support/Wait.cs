namespace ChatIngest.Tests.Support;

/// <summary>Polls until something another thread or process does has happened; fails the test after a minute.</summary>
public static class Wait
{
    public static Task UntilAsync(Func<bool> condition, string what = "the condition") =>
        UntilAsync(() => Task.FromResult(condition()), what);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what = "the condition")
    {
        for (var i = 0; i < 3000; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.True(await condition(), $"{what} did not happen within a minute");
    }
}
