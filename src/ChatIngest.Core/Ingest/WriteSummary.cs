namespace ChatIngest.Core.Ingest;

/// <summary>What one write request (or a whole replay: long, past 2³¹ rows) added: new order events, new chat messages, duplicates, dead letters.</summary>
public readonly record struct WriteSummary(long Orders, long Messages, long Duplicates, long Invalid)
{
    public static WriteSummary operator +(WriteSummary a, WriteSummary b) =>
        new(a.Orders + b.Orders, a.Messages + b.Messages, a.Duplicates + b.Duplicates, a.Invalid + b.Invalid);

    public long Total => Orders + Messages + Duplicates + Invalid;
}
