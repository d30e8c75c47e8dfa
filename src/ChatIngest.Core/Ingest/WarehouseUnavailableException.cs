namespace ChatIngest.Core.Ingest;

/// <summary>The warehouse did not take a write within the retry budget: answer 503 so Pub/Sub redelivers.</summary>
public sealed class WarehouseUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
