using System.Runtime;
using LlmProxy.Inbound;

namespace LlmProxy.Hosting;

/// <summary>
/// Gives memory back to the machine after a burst of large request bodies: once none is held any more, one aggressive,
/// compacting collection returns the freed heap to the OS instead of keeping it for a next burst that may never come.
/// Checked every few seconds; it never runs while a large body is held (small ones and open streams do not stop it),
/// and never without large bodies since the last time.
/// </summary>
internal sealed partial class MemoryTrimmer(BodyBudget bodies, ILogger<MemoryTrimmer> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (bodies.TakeIdleAfterLargeBodies())
                {
                    var before = Environment.WorkingSet;
                    GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    var gc = GC.GetGCMemoryInfo();
                    LogTrimmed(logger, before / (1024 * 1024), Environment.WorkingSet / (1024 * 1024), gc.HeapSizeBytes / (1024 * 1024), gc.TotalCommittedBytes / (1024 * 1024));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "large request bodies gone: memory given back, {Before} MiB resident before, {After} MiB after (heap {Heap} MiB, committed {Committed} MiB)")]
    private static partial void LogTrimmed(ILogger logger, long before, long after, long heap, long committed);
}
