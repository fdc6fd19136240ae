using System.Collections.Concurrent;

namespace LlmProxy.Usage;

/// <summary>
/// A bounded queue drained in batches by a thread of its own, for what requests hand off and must not wait for (usage
/// ledger records, metrics and access log observations). <see cref="TryAdd"/> never waits and takes no lock: a lock-free
/// <see cref="ConcurrentQueue{T}"/> and one interlocked count (a full queue refuses, and the caller counts it). The thread
/// sleeps <c>gatherTime</c>, hands what gathered to the writer a batch at a time, and only waits for an item after a whole
/// gathering found nothing. So under load the requests' core sees one wake-up per gathering: as a pool task awaiting
/// timers, each batch took ~15 context switches (the timer thread re-armed and fired, pool workers woken for each
/// continuation and by each item added to an empty queue: ~780 a second at full load, where the proxy alone makes ~35);
/// and a bounded channel's lock per item, measured in place on the load harness, cost more than the queue's work.
/// <see cref="StopAsync"/> refuses new items, waits out adds already under way, cuts the gathering short and writes what
/// is left: the writer gets every item whose <see cref="TryAdd"/> returned true, once.
/// </summary>
internal sealed class GatheringQueue<T>
{
    private readonly ConcurrentQueue<T> _queue = new();
    private readonly int _capacity;
    private readonly int _batchSize;
    private readonly TimeSpan _gatherTime;
    private readonly TimeProvider _time;
    private readonly Action<List<T>> _write;
    private readonly Action<Exception> _failed;
    private readonly CancellationTokenSource _stopped = new();
    private readonly ManualResetEventSlim _itemCame = new(false);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _thread;
    private int _count;
    private int _adding;
    private int _idle;
    private bool _stopping;

    /// <param name="write">Writes one batch (the list is reused afterwards); runs on the queue's thread and may block.</param>
    /// <param name="failed">Told of an exception that escaped <paramref name="write"/>: the thread then ends (what is added later stays queued).</param>
    public GatheringQueue(int capacity, int batchSize, TimeSpan gatherTime, TimeProvider time, Action<List<T>> write, Action<Exception> failed)
    {
        _capacity = capacity;
        _batchSize = batchSize;
        _gatherTime = gatherTime;
        _time = time;
        _write = write;
        _failed = failed;
    }

    /// <summary>Items waiting for the writer.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>True once <see cref="StopAsync"/> began: an item refused now came too late, not into a full queue.</summary>
    public bool Stopping => Volatile.Read(ref _stopping);

    /// <summary>Queues <paramref name="item"/>; false when the queue is full or stopped.</summary>
    public bool TryAdd(T item)
    {
        // Counted as adding before the stop is checked: the stop waits for every add that passed the check.
        Interlocked.Increment(ref _adding);
        try
        {
            if (Stopping)
            {
                return false;
            }
            if (Interlocked.Increment(ref _count) > _capacity)
            {
                Interlocked.Decrement(ref _count);
                return false;
            }
            _queue.Enqueue(item);
        }
        finally
        {
            Interlocked.Decrement(ref _adding);
        }
        // The thread said it waits: wake it (once; its flag and this exchange are both full fences, so the thread either
        // saw the item or is told of it).
        if (Volatile.Read(ref _idle) == 1 && Interlocked.Exchange(ref _idle, 0) == 1)
        {
            _itemCame.Set();
        }
        return true;
    }

    /// <summary>Starts the thread; a second start throws (the queue has a single reader).</summary>
    public void Start(string threadName)
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException($"The {threadName} thread is already started.");
        }
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.UnsafeStart(); // no start-up ExecutionContext kept for the process's life
    }

    /// <summary>
    /// Refuses new items and waits until what was queued is written, or until <paramref name="cancellationToken"/> (the
    /// host stops waiting). Returns how many items were never handed to the writer: those of a queue never started.
    /// </summary>
    public async Task<int> StopAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _stopping, true);
        var adds = new SpinWait();
        while (Volatile.Read(ref _adding) != 0)
        {
            adds.SpinOnce(); // an add under way finishes in nanoseconds
        }
        await _stopped.CancelAsync(); // no more gathering: what is queued is written now
        _itemCame.Set();
        if (_thread is not null)
        {
            await _done.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return 0;
        }
        var left = 0;
        while (_queue.TryDequeue(out _))
        {
            left++;
        }
        return left;
    }

    /// <summary>Blocks the calling thread (the queue's own: the writer's retries) for <paramref name="delay"/>, or until <paramref name="stop"/>.</summary>
    public void Sleep(TimeSpan delay, CancellationToken stop)
    {
        if (_time == TimeProvider.System)
        {
            stop.WaitHandle.WaitOne(delay); // one timed futex wait: no timer thread, no pool worker
            return;
        }
        Task.Delay(delay, _time, stop).ContinueWith(static _ => { }, TaskScheduler.Default).Wait(); // a test's fake clock
    }

    private void Run()
    {
        try
        {
            Drain();
        }
        catch (Exception e)
        {
            _failed(e); // a thread's exception would end the process
        }
        finally
        {
            _done.TrySetResult();
        }
    }

    private void Drain()
    {
        var batch = new List<T>(_batchSize);
        while (true)
        {
            if (!Stopping)
            {
                Sleep(_gatherTime, _stopped.Token);
            }
            if (_queue.IsEmpty)
            {
                if (Stopping)
                {
                    return; // every add that returned true is written
                }
                WaitForItem();
                continue;
            }
            // Everything that gathered, a batch at a time.
            do
            {
                batch.Clear();
                while (batch.Count < _batchSize && _queue.TryDequeue(out var item))
                {
                    batch.Add(item);
                }
                Interlocked.Add(ref _count, -batch.Count);
                if (batch.Count > 0)
                {
                    _write(batch);
                }
            }
            while (batch.Count == _batchSize);
        }
    }

    // Nothing came for a whole gathering: idle, so sleep until an add (or the stop) wakes the thread. Under load this
    // never happens: waiting here after every batch, when the requests' one core had just been busy writing it, took a
    // wake-up per batch.
    private void WaitForItem()
    {
        _itemCame.Reset();
        Interlocked.Exchange(ref _idle, 1);
        if (_queue.IsEmpty && !Stopping)
        {
            _itemCame.Wait();
        }
        Interlocked.Exchange(ref _idle, 0);
    }
}
