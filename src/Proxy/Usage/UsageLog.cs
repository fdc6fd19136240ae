namespace LlmProxy.Usage;

/// <summary>The default recorder until storage lands: a Debug log line per request, with counts and never content.</summary>
internal sealed partial class UsageLog(ILogger<UsageLog> logger) : IUsageRecorder
{
    public void Record(UsageRecord record) =>
        LogUsage(logger, record.KeyName, record.Model, record.Provider ?? "", record.Tokens.InputTokens, record.Tokens.OutputTokens,
            record.Tokens.CachedInputTokens, record.Tokens.ReasoningTokens);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug,
        Message = "usage key={Key} model={Model} deployment={Deployment} input={Input} output={Output} cached={Cached} reasoning={Reasoning}")]
    private static partial void LogUsage(ILogger logger, string key, string model, string deployment, long input, long output, long cached, long reasoning);
}
