namespace ChatIngest.Cli.Generate;

/// <summary>The values the seed data uses (shared/data/conversations.json), so generated data looks like it.</summary>
internal static class Vocabulary
{
    public static readonly string[] OrderStages =
    [
        "ACCEPTED", "ARRIVED", "AWAITING_PICKUP", "CANCELLED", "COMPLETED", "DELAYED", "DELIVERED", "FAILED",
        "IN_PROGRESS", "IN_TRANSIT", "ON_ROUTE", "OUT_FOR_DELIVERY", "PENDING", "PROCESSING", "RETURNED",
    ];

    public static readonly string[] CityCodes =
    [
        "AMS", "BCN", "BER", "BUE", "CAI", "CPT", "IST", "LON", "MAD", "MEX",
        "MUM", "NYC", "PAR", "RIO", "ROM", "SAN", "SIN", "SYD", "TOK", "TOR",
    ];

    public const string CourierApp = "Courier Android";
    public const string CustomerApp = "Customer iOS";

    /// <summary>The seed's gaps: between conversation starts and between messages, 1–60 whole seconds.</summary>
    public const int MinGapSeconds = 1;
    public const int MaxGapSeconds = 60;

    public const int MinMessages = 2;
    public const int MaxMessages = 5;

    public const long MinId = 10_000_000;
    public const long MaxId = 99_999_999;
}
