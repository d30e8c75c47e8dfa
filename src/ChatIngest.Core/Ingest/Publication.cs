using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// VIEW.md's order of publication: earliest publish time first, then the smaller message id. Ids compare as numbers when
/// both are numeric (Pub/Sub's are), else as strings; that alone is no total order once both kinds meet ("9" &lt; "10"
/// as numbers, "10" &lt; "1a" &lt; "9" as strings), so all-digit ids come before the rest. The views sort the same way
/// (sql/*/view.sql), and the id itself breaks a tie in value ("007" and "7").
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
        var (aIsNumber, bIsNumber) = (IsDigits(a), IsDigits(b));
        if (aIsNumber != bIsNumber)
        {
            return aIsNumber ? -1 : 1;
        }

        if (aIsNumber)
        {
            var x = a.AsSpan().TrimStart('0');
            var y = b.AsSpan().TrimStart('0');
            var byValue = x.Length != y.Length ? x.Length.CompareTo(y.Length) : x.SequenceCompareTo(y);
            if (byValue != 0)
            {
                return byValue;
            }
        }

        return CompareCodePoints(a, b);
    }

    /// <summary>
    /// Ordinal by code point, as the views' SQL compares strings (UTF-8 bytes): UTF-16's ordinal order puts a surrogate
    /// pair (a code point above U+FFFF) before U+E000-U+FFFF, so those two ranges are moved past each other.
    /// </summary>
    private static int CompareCodePoints(string a, string b)
    {
        var common = a.AsSpan().CommonPrefixLength(b);
        if (common == a.Length || common == b.Length)
        {
            return a.Length.CompareTo(b.Length);
        }

        return Fixup(a[common]).CompareTo(Fixup(b[common]));

        static int Fixup(char c) => c >= '\uE000' ? c - 0x800 : c >= '\uD800' ? c + 0x2000 : c;
    }

    private static bool IsDigits(string s) => s.Length > 0 && s.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0;
}
