using System.Threading.Channels;
using LlmProxy.Storage;

namespace LlmProxy.Usage;

/// <summary>
/// The usage ledger's writer: requests hand their record to a bounded channel and go on; one thread of its own writes
/// what has queued to the store in batches (one transaction each). A full channel never blocks a request: the record
/// is dropped and counted (<see cref="Dropped"/>, logged once, shown by <c>/health</c>). Records gather for
/// <see cref="GatherTime"/> after the first, so a transaction takes many. A batch the store refuses is retried, then
/// counted as <see cref="Lost"/>. Stopping the host completes the channel and writes what is queued at once.
/// The writer is a thread, not a pool task awaiting timers: under load it sleeps, drains and writes, and the requests'
/// core sees one wake-up per batch. As an async loop each batch took ~15 context switches (timer thread re-armed and
/// fired, pool workers woken to run the continuation and to wake each other: ~780 a second at full load, where the
/// proxy alone makes ~35).
/// </summary>
internal sealed partial class UsageLedger : IUsageRecorder, IHostedService
{
    /// <summary>Records per transaction at most: large enough that an fsync per batch keeps up with any request rate.</summary>
    public const int BatchSize = 1_000;

    /// <summary>
    /// How long the writer lets records gather after the first one before it writes them. Without it, a transaction went
    /// to every dozen records at full load, costing a third of the proxy's CPU. Not longer: a record waiting in the queue
    /// outlives the young generation and is copied by the GC, so at 200 ms (thousands waiting) the copying cost more
    /// than the transactions saved (an A/B of each proxy alone: on/off 0.78 at 200 ms, 0.89 at 20 ms; load row 8, noisier,
    /// did not confirm it).
    /// </summary>
    public static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(20);

    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    private readonly Channel<UsageRecord> _queue;
    private readonly IUsageStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<UsageLedger> _logger;
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _writer;
    private long _written;
    private long _dropped;
    private long _lost;
    private bool _stopping;
    private readonly CancellationTokenSource _stopped = new();

    public UsageLedger(IUsageStore store, int capacity, TimeProvider time, ILogger<UsageLedger> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<UsageRecord>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails at once instead of waiting
        });
    }

    /// <summary>Records in the store.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records refused because the channel was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records the store refused, after retries, or that came after the ledger stopped.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>Records waiting for the store.</summary>
    public int Queued => _queue.Reader.Count;

    public void Record(UsageRecord record)
    {
        if (_queue.Writer.TryWrite(record))
        {
            return;
        }
        if (Volatile.Read(ref _stopping))
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
        if (_writer is not null)
        {
            throw new InvalidOperationException("The usage ledger is already started."); // its channel has a single reader
        }
        _writer = new Thread(Write) { IsBackground = true, Name = "usage ledger" };
        _writer.UnsafeStart(); // no start-up ExecutionContext kept for the process's life
        return Task.CompletedTask;
    }

    /// <summary>Completes the channel and waits until what was queued is written, or until the host stops waiting.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _stopping, true);
        _queue.Writer.TryComplete();
        await _stopped.CancelAsync(); // no more gathering: what is queued is written now
        if (_writer is not null)
        {
            await _writerDone.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }
        // Never started (a hosted service before it failed to start): what queued is lost, and counted.
        while (_queue.Reader.TryRead(out _))
        {
            Interlocked.Increment(ref _lost);
        }
    }

    private void Write()
    {
        try
        {
            WriteAll();
        }
        catch (Exception e)
        {
            // A thread's exception would end the process: the requests go on, their records queue, then are dropped and counted.
            LogWriterFailed(_logger, e);
        }
        finally
        {
            _writerDone.TrySetResult();
        }
    }

    private void WriteAll()
    {
        var batch = new List<UsageRecord>(BatchSize);
        var reader = _queue.Reader;
        while (true)
        {
            if (!Volatile.Read(ref _stopping))
            {
                Sleep(GatherTime, _stopped.Token);
            }
            if (reader.Count == 0)
            {
                // Nothing came for a whole gathering: idle, so wait for a record (its writer wakes this thread through
                // the pool). Under load this never happens: waiting here after every batch, when the requests' one core
                // had just been busy writing it, took a pool worker's wake-up per batch.
                if (!reader.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
                {
                    return; // completed and empty: stopped
                }
                continue;
            }
            // Everything that gathered, a batch at a time.
            do
            {
                batch.Clear();
                while (batch.Count < BatchSize && reader.TryRead(out var record))
                {
                    batch.Add(record);
                }
                if (batch.Count > 0)
                {
                    Append(batch);
                }
            }
            while (batch.Count == BatchSize);
        }
    }

    private void Append(List<UsageRecord> batch)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _store.AppendAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
                Interlocked.Add(ref _written, batch.Count);
                return;
            }
            catch (Exception e) when (attempt < RetryDelays.Length)
            {
                LogRetrying(_logger, batch.Count, e.Message);
                Sleep(RetryDelays[attempt], CancellationToken.None);
            }
            catch (Exception e)
            {
                Interlocked.Add(ref _lost, batch.Count);
                LogLost(_logger, batch.Count, e);
                return;
            }
        }
    }

    /// <summary>Blocks the writer for <paramref name="delay"/> or until <paramref name="stop"/> is cancelled.</summary>
    private void Sleep(TimeSpan delay, CancellationToken stop)
    {
        if (_time == TimeProvider.System)
        {
            stop.WaitHandle.WaitOne(delay); // one timed futex wait: no timer thread, no pool worker
            return;
        }
        Task.Delay(delay, _time, stop).ContinueWith(static _ => { }, TaskScheduler.Default).Wait(); // a test's fake clock
    }

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "the usage ledger's queue is full: records are being dropped (counted in /health as usage.dropped; this is logged once)")]
    private static partial void LogDropped(ILogger logger);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Critical,
        Message = "the usage ledger's writer stopped: records queue until the queue is full, then are dropped (usage.dropped in /health)")]
    private static partial void LogWriterFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "a usage record of key {Key} for {Model} came after the ledger stopped and is lost")]
    private static partial void LogLateRecord(ILogger logger, string key, string model);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "writing {Count} usage records failed, retrying: {Reason}")]
    private static partial void LogRetrying(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "{Count} usage records could not be written and are lost")]
    private static partial void LogLost(ILogger logger, int count, Exception exception);
}
