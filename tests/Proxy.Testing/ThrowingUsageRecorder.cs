using LlmProxy.Usage;

namespace LlmProxy.Testing;

/// <summary>A usage store with a bug: it throws on every record, after the answer was served.</summary>
internal sealed class ThrowingUsageRecorder : IUsageRecorder
{
    public void Record(UsageRecord record) => throw new InvalidOperationException("planted fault: recording usage");
}
