namespace LlmProxy.Usage;

/// <summary>Receives the usage of every served request, off the response path (implementations must not block).</summary>
internal interface IUsageRecorder
{
    void Record(UsageRecord record);
}
