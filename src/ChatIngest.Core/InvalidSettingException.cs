namespace ChatIngest.Core;

/// <summary>A setting that stops start-up; the message is one line naming the key and what is wrong.</summary>
public sealed class InvalidSettingException(string message, Exception? inner = null) : Exception(message, inner);
