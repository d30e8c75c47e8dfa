namespace ChatIngest.Cli.Generate;

/// <summary>
/// Streams conversations interleaved in time, like the seed data: conversation starts 1–60 s apart, 2–5 messages each
/// 1–60 s apart alternating sender, the first flagged <c>chatStartedByMessage</c> and followed at once by the order's
/// event (or, for a late order, after the conversation's last message). Memory stays constant: only the conversations
/// still talking are held, in a heap ordered by their next message time.
/// </summary>
internal sealed class ConversationGenerator(GenerateSettings settings)
{
    private const ulong LateStream = 0x4C415445; // "LATE"

    public long Started { get; private set; }
    public long Messages { get; private set; }
    public long OrderEvents { get; private set; }
    public long LateOrders { get; private set; }

    /// <summary>The most conversations held at once: bounded by how long one lasts, not by how many are asked for.</summary>
    public int PeakActive { get; private set; }

    public IEnumerable<GeneratedLine> Lines()
    {
        var random = new SplitMix64(settings.Seed);
        var late = SplitMix64.Stream(settings.Seed, LateStream);
        var orderIds = new OrderIdPermutation(settings.Seed);
        _ = random.Next(); // the draw that once keyed the order ids, kept so that the rest of a seed's output stays as it was
        var active = new PriorityQueue<Conversation, (long Ticks, long Sequence)>();
        var nextStart = settings.Start.AddSeconds(Gap(random));

        while (Started < settings.Conversations || active.Count > 0)
        {
            // A conversation joins the heap once no message already in it is due earlier, so output stays in time order.
            if (Started < settings.Conversations && (active.Count == 0 || nextStart.Ticks <= active.Peek().NextAt.Ticks))
            {
                var started = Start(random, late, orderIds, nextStart);
                active.Enqueue(started, (started.NextAt.Ticks, started.Sequence));
                PeakActive = Math.Max(PeakActive, active.Count);
                nextStart = nextStart.AddSeconds(Gap(random));
                continue;
            }

            var conversation = active.Dequeue();
            Messages++;
            yield return new GeneratedLine(conversation.NextMessage(random.Pick(Vocabulary.OrderStages)), LineKind.ChatMessage);
            if (conversation.Sent == 1 && !conversation.LateOrder)
            {
                OrderEvents++;
                yield return new GeneratedLine(conversation.OrderEvent(), LineKind.OrderEvent);
            }

            if (!conversation.IsDone)
            {
                conversation.NextAt = conversation.NextAt.AddSeconds(Gap(random));
                active.Enqueue(conversation, (conversation.NextAt.Ticks, conversation.Sequence));
            }
            else if (conversation.LateOrder)
            {
                OrderEvents++;
                yield return new GeneratedLine(conversation.OrderEvent(), LineKind.OrderEvent);
            }
        }
    }

    private Conversation Start(SplitMix64 random, SplitMix64 late, OrderIdPermutation orderIds, DateTime at)
    {
        var isLate = late.Chance(settings.LateOrders);
        LateOrders += isLate ? 1 : 0;
        return new Conversation
        {
            Sequence = Started,
            OrderId = orderIds.At(Started++),
            CourierId = random.Between(Vocabulary.MinId, Vocabulary.MaxId),
            CustomerId = random.Between(Vocabulary.MinId, Vocabulary.MaxId),
            CityCode = random.Pick(Vocabulary.CityCodes),
            CourierFirst = random.Between(0, 1) == 0,
            MessageCount = random.Between(Vocabulary.MinMessages, Vocabulary.MaxMessages),
            LateOrder = isLate,
            NextAt = at,
        };
    }

    private static int Gap(SplitMix64 random) => random.Between(Vocabulary.MinGapSeconds, Vocabulary.MaxGapSeconds);
}
