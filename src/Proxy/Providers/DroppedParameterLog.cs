namespace LlmProxy.Providers;

/// <summary>The one log line every request mapper writes for a parameter its provider does not take: dropped, never sent to fail upstream.</summary>
internal static partial class DroppedParameterLog
{
    [LoggerMessage(EventId = 2006, Level = LogLevel.Debug, Message = "{Provider}: dropped '{Parameter}' from the request: {Reason}")]
    public static partial void Write(ILogger logger, string provider, string parameter, string reason);
}
