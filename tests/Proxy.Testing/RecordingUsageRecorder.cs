using System.Collections.Concurrent;
using LlmProxy.Usage;

namespace LlmProxy.Testing;

/// <summary>Keeps every usage record the proxy reports, so tests can check what was accounted.</summary>
internal sealed class RecordingUsageRecorder : IUsageRecorder
{
    public ConcurrentQueue<UsageRecord> Records { get; } = new();

    public void Record(UsageRecord record) => Records.Enqueue(record);
}
