using System.Buffers;
using System.Buffers.Text;
using ChatIngest.Cli.Progress;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Publish;

/// <summary>
/// One publish request's messages, kept under Pub/Sub's limits (GCP.md §3): at most 1,000 messages and a body under
/// 10 MB. The size is counted exactly as <see cref="ToJson"/> writes it. It knows which SOURCE lines it holds, so a
/// failure can name them.
/// </summary>
internal sealed class PublishBatch
{
    public const int MaxMessages = 1_000;
    public const int MaxBodyBytes = 10_000_000;

    private static readonly byte[] Head = """{"messages":["""u8.ToArray();
    private static readonly byte[] Tail = "]}"u8.ToArray();
    private static readonly byte[] ItemHead = "{\"data\":\""u8.ToArray();
    private static readonly byte[] ItemTail = "\"}"u8.ToArray();

    private readonly List<byte[]> messages = [];
    private List<long>? refused;
    private long bodyBytes = Head.Length + Tail.Length;
    private long lastLine;

    public int Count => messages.Count;

    /// <summary>The SOURCE line number of its first message.</summary>
    public long FirstLine { get; private set; }

    /// <summary>The SOURCE bytes its lines took (for progress).</summary>
    public long SourceBytes { get; private set; }

    /// <summary>
    /// Its SOURCE lines and messages, as the run's counters take them; of the refused lines, those between its first and
    /// last line (one refused after the last, before a later line could join, is no line of this batch).
    /// </summary>
    public SentLines Sent => new(FirstLine, lastLine, Count, refused?.FindAll(line => line < lastLine));

    /// <summary>"line 7" or "lines 1001 to 2000": the SOURCE lines to publish again if it fails.</summary>
    public string Lines => FirstLine == lastLine ? $"line {FirstLine}" : $"lines {FirstLine} to {lastLine}";

    /// <summary>How many bytes a message adds to the body (its base64 data, its wrapper, a comma).</summary>
    public static long SizeOf(byte[] data) => Base64.GetMaxEncodedToUtf8Length(data.Length) + ItemHead.Length + ItemTail.Length + 1;

    /// <summary>True when a message of this size can never be published: alone it would exceed the limit.</summary>
    public static bool IsTooLarge(byte[] data) => Head.Length + Tail.Length + SizeOf(data) >= MaxBodyBytes;

    public bool CanAdd(byte[] data) => Count < MaxMessages && bodyBytes + SizeOf(data) < MaxBodyBytes;

    /// <summary>
    /// A line refused for itself while this batch fills: one after its first line (before it, the batch has not begun),
    /// so that a failure of the batch does not name it to send again. It may end up after the batch's last line, when
    /// the batch is sent before another line joins it: <see cref="Sent"/> leaves it out then.
    /// </summary>
    public void Refuse(long line)
    {
        if (Count > 0)
        {
            (refused ??= []).Add(line);
        }
    }

    public void Add(NdjsonLine line)
    {
        if (messages.Count == 0)
        {
            FirstLine = line.Number;
        }

        lastLine = line.Number;
        messages.Add(line.Data);
        bodyBytes += SizeOf(line.Data);
        SourceBytes += line.SourceBytes;
    }

    /// <summary><c>{"messages":[{"data":"&lt;base64&gt;"},…]}</c>; base64 needs no JSON escaping.</summary>
    public byte[] ToJson()
    {
        var body = new ArrayBufferWriter<byte>((int)bodyBytes);
        body.Write(Head);
        for (var i = 0; i < messages.Count; i++)
        {
            if (i > 0)
            {
                body.Write(","u8);
            }

            body.Write(ItemHead);
            var span = body.GetSpan(Base64.GetMaxEncodedToUtf8Length(messages[i].Length));
            Base64.EncodeToUtf8(messages[i], span, out _, out var written);
            body.Advance(written);
            body.Write(ItemTail);
        }

        body.Write(Tail);
        return body.WrittenSpan.ToArray();
    }
}
