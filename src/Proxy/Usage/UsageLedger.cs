using LlmProxy.Storage;

namespace LlmProxy.Usage;

/// <summary>
/// The usage ledger's writer: requests hand their record to a <see cref="GatheringQueue{T}"/> and go on; its thread
/// writes what has queued to the store in batches (one transaction each). A full queue never blocks a request: the record
/// is dropped and counted (<see cref="Dropped"/>, logged once, shown by <c>/health</c>). Records gather for
/// <see cref="GatherTime"/> after the first, so a transaction takes many. A batch the store refuses is retried, then
/// counted as <see cref="Lost"/>; while the database cannot be reached at all it is retried until it can. Stopping the host refuses new records and writes what is queued at once.
/// </summary>
internal sealed partial class UsageLedger : IUsageRecorder, IHostedService
{
    /// <summary>Records per transaction at most: large enough that an fsync per batch keeps up with any request rate.</summary>
    public const int BatchSize = 1_000;

    /// <summary>
    /// How long the writer lets records gather before it writes them: fewer, larger transactions, each rewriting the
    /// table's and indexes' last pages once. Measured with both sides at once at a fixed 2,500 req/s a side
    /// (<c>FEATURE=ledger bench/load/simultaneous.sh</c>, medians of 5 rounds, twice): off/on 0.922 and 0.934 at 20 ms
    /// (the writer 15 µs a record), 0.951 and 0.958 at 100 ms (7.6 µs). Load row 8 at full speed cannot tell them apart:
    /// rate/CPU 0.75/0.81 and 0.87/0.84 at 100 ms, 0.91/0.90 and 0.80/0.80 at 20 ms, on the same day. An earlier A/B
    /// of each side alone had found 200 ms worse than 20 (the GC copying the waiting records), with a channel's lock
    /// per record and that noisier method.
    /// </summary>
    public static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    private readonly GatheringQueue<UsageRecord> _queue;
    private readonly IUsageStore _store;
    private readonly ILogger<UsageLedger> _logger;
    private long _written;
    private long _dropped;
    private long _lost;

    public UsageLedger(IUsageStore store, int capacity, TimeProvider time, ILogger<UsageLedger> logger)
    {
        _store = store;
        _logger = logger;
        _queue = new GatheringQueue<UsageRecord>(capacity, BatchSize, GatherTime, time, Append, e => LogWriterFailed(logger, e));
    }

    /// <summary>Records in the store.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records refused because the channel was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records the store refused, after retries, or that came after the ledger stopped.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>Records waiting for the store.</summary>
    public int Queued => _queue.Count;

    public void Record(UsageRecord record)
    {
        if (_queue.TryAdd(record))
        {
            return;
        }
        if (_queue.Stopping)
        {
            // A request that outlived the host's stop: its record comes after the last batch, so it is lost, not dropped.
            Interlocked.Increment(ref _lost);
            LogLateRecord(_logger, record.KeyId, record.Model);
        }
        else if (Interlocked.Increment(ref _dropped) == 1)
        {
            LogDropped(_logger);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _queue.Start("usage ledger");
        return Task.CompletedTask;
    }

    /// <summary>Writes what is queued, or until the host stops waiting; what queued in a ledger never started is lost, and counted.</summary>
    public async Task StopAsync(CancellationToken cancellationToken) => Interlocked.Add(ref _lost, await _queue.StopAsync(cancellationToken));

    // One transaction per batch, on the queue's thread. A database that cannot be reached (PostgreSQL restarting, a network
    // cut) keeps the batch and is retried every 5 s until it is back, while new records queue behind it (dropped and
    // counted once the queue is full): an outage of a few minutes loses nothing. Any other failure gets the usual tries
    // and then writes the batch one record at a time, losing (and counting) only the records the store still refuses;
    // an unreachable database once the host stops counts the batch as lost at once, so that the stop does not wait out
    // retries it cannot win.
    private void Append(List<UsageRecord> batch)
    {
        var batchId = Guid.NewGuid(); // the same for every try: a try whose commit landed unanswered is not written twice
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _store.AppendAsync(batch, CancellationToken.None, batchId).GetAwaiter().GetResult();
                Interlocked.Add(ref _written, batch.Count);
                if (attempt > RetryDelays.Length)
                {
                    LogRecovered(_logger, batch.Count, attempt);
                }
                return;
            }
            catch (Exception e) when (StorageUnavailable.Is(e) ? !_queue.Stopping : attempt < RetryDelays.Length)
            {
                if (attempt <= RetryDelays.Length || attempt % 12 == 0)
                {
                    LogRetrying(_logger, batch.Count, e.Message);
                }
                _queue.Sleep(RetryDelays[Math.Min(attempt, RetryDelays.Length - 1)], _queue.Stopped);
            }
            catch (Exception e) when (batch.Count > 1 && !StorageUnavailable.Is(e))
            {
                AppendOneByOne(batch);
                return;
            }
            catch (Exception e)
            {
                Interlocked.Add(ref _lost, batch.Count);
                LogLost(_logger, batch.Count, e);
                return;
            }
        }
    }

    // A batch the store keeps refusing may hold one record it cannot take: written one at a time, only that one is lost.
    private void AppendOneByOne(List<UsageRecord> batch)
    {
        var one = new UsageRecord[1];
        foreach (var record in batch)
        {
            one[0] = record;
            try
            {
                _store.AppendAsync(one, CancellationToken.None, Guid.NewGuid()).GetAwaiter().GetResult();
                Interlocked.Increment(ref _written);
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref _lost);
                LogLost(_logger, 1, e);
            }
        }
    }

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "the usage ledger's queue is full: records are being dropped (counted in /health as usage.dropped; this is logged once)")]
    private static partial void LogDropped(ILogger logger);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Critical,
        Message = "the usage ledger's writer stopped: records queue until the queue is full, then are dropped (usage.dropped in /health)")]
    private static partial void LogWriterFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "a usage record of key {Key} for {Model} came after the ledger stopped and is lost")]
    private static partial void LogLateRecord(ILogger logger, string key, string model);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "the usage ledger's database is back: {Count} records written after {Attempts} tries")]
    private static partial void LogRecovered(ILogger logger, int count, int attempts);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "writing {Count} usage records failed, retrying: {Reason}")]
    private static partial void LogRetrying(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "{Count} usage records could not be written and are lost")]
    private static partial void LogLost(ILogger logger, int count, Exception exception);
}
