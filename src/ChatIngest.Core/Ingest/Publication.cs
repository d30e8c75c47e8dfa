using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// VIEW.md's order of publication: earliest publish time first, then the smaller message id, compared as numbers
/// when both are numeric (Pub/Sub's are), else as strings.
/// </summary>
public static class Publication
{
    public static int Compare(Delivery a, Delivery b)
    {
        var byTime = a.PublishTime.CompareTo(b.PublishTime);
        return byTime != 0 ? byTime : CompareMessageIds(a.MessageId, b.MessageId);
    }

    public static int CompareMessageIds(string a, string b)
    {
        if (IsDigits(a) && IsDigits(b))
        {
            var x = a.AsSpan().TrimStart('0');
            var y = b.AsSpan().TrimStart('0');
            return x.Length != y.Length ? x.Length.CompareTo(y.Length) : x.SequenceCompareTo(y);
        }

        return string.CompareOrdinal(a, b);
    }

    private static bool IsDigits(string s) => s.Length > 0 && s.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0;
}
