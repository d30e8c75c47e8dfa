namespace ChatIngest.Core.Ingest;

/// <summary>What one write request added: new order events, new chat messages, duplicates, dead letters.</summary>
public readonly record struct WriteSummary(int Orders, int Messages, int Duplicates, int Invalid)
{
    public static WriteSummary operator +(WriteSummary a, WriteSummary b) =>
        new(a.Orders + b.Orders, a.Messages + b.Messages, a.Duplicates + b.Duplicates, a.Invalid + b.Invalid);

    public int Total => Orders + Messages + Duplicates + Invalid;
}
