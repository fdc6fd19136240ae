using System.Collections.Concurrent;
using LlmProxy.Usage;

namespace LlmProxy.Testing;

/// <summary>
/// Keeps every usage record the proxy reports, so tests can check what was accounted, and passes each on to the
/// proxy's own ledger (when it has one), so the records also reach the store as they would in production.
/// </summary>
internal sealed class RecordingUsageRecorder : IUsageRecorder
{
    public ConcurrentQueue<UsageRecord> Records { get; } = new();

    /// <summary>The ledger the records go on to; null to keep them here only.</summary>
    public IUsageRecorder? Next { get; set; }

    public void Record(UsageRecord record)
    {
        Records.Enqueue(record);
        Next?.Record(record);
    }
}
