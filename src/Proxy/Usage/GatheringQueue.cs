using System.Collections.Concurrent;

namespace LlmProxy.Usage;

/// <summary>
/// A bounded queue drained in batches by a thread of its own, for what requests hand off and must not wait for (usage
/// ledger records, metrics and access log observations). <see cref="TryAdd"/> never waits and takes no lock: a lock-free
/// <see cref="ConcurrentQueue{T}"/> and one interlocked state, the count of items accepted and not yet taken plus a
/// refusing bit, so an add is accepted or refused in one step (a full queue, or a stopped one, refuses, and the caller
/// counts it). The thread sleeps <c>gatherTime</c>, hands what gathered to the writer a batch at a time, and only waits
/// for an item after a whole gathering found nothing. So under load the requests' core sees one wake-up per
/// gathering: as a pool task awaiting timers, each batch took ~15 context switches (the timer thread re-armed and
/// fired, pool workers woken for each continuation and by each item added to an empty queue: ~780 a second at full
/// load, where the proxy alone makes ~35); and a bounded channel's lock per item, measured in place on the load
/// harness, cost more than the queue's work. <see cref="StopAsync"/> refuses new items and the thread writes every item
/// whose <see cref="TryAdd"/> returned true, once; if the writer throws, the thread ends and the queue refuses from then on.
/// </summary>
internal sealed class GatheringQueue<T>
{
    // In _state, above any count: set, every add is refused.
    private const long Refusing = 1L << 40;

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
    private long _state;
    private int _idle;
    private bool _stopping;
    private bool _writerFailed;

    /// <param name="write">Writes one batch (the list is reused afterwards); runs on the queue's thread and may block.</param>
    /// <param name="failed">Told of an exception that escaped <paramref name="write"/>: the thread then ends, and adds are refused.</param>
    public GatheringQueue(int capacity, int batchSize, TimeSpan gatherTime, TimeProvider time, Action<List<T>> write, Action<Exception> failed)
    {
        _capacity = capacity;
        _batchSize = batchSize;
        _gatherTime = gatherTime;
        _time = time;
        _write = write;
        _failed = failed;
    }

    /// <summary>Items accepted and not yet handed to the writer.</summary>
    public int Count => (int)(Volatile.Read(ref _state) & ~Refusing);

    /// <summary>True once <see cref="StopAsync"/> began: an item refused now came too late, not into a full queue.</summary>
    public bool Stopping => Volatile.Read(ref _stopping);

    /// <summary>Queues <paramref name="item"/>; false when the queue is full, stopped, or its writer failed.</summary>
    public bool TryAdd(T item)
    {
        // A full fence: the thread's idle flag is read after it (see WaitForItem).
        var state = Interlocked.Increment(ref _state);
        if ((state & Refusing) != 0 || state > _capacity)
        {
            Interlocked.Decrement(ref _state);
            return false;
        }
        _queue.Enqueue(item);
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
    /// Refuses new items and waits until every accepted one is written, or until <paramref name="cancellationToken"/>
    /// (the host stops waiting). Returns how many accepted items were never handed to the writer: those of a queue never
    /// started, whose writer failed, or still queued when the host stopped waiting.
    /// </summary>
    public async Task<int> StopAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _stopping, true);
        Interlocked.Or(ref _state, Refusing);
        await _stopped.CancelAsync(); // no more gathering: what is queued is written now
        _itemCame.Set();
        if (_thread is not null)
        {
            await _done.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        return _thread is null || Volatile.Read(ref _writerFailed) || !_done.Task.IsCompleted ? Count : 0;
    }

    /// <summary>Cancelled when the queue starts stopping: a writer's wait between retries ends then.</summary>
    public CancellationToken Stopped => _stopped.Token;

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
            // From now on adds are refused, for their callers to count, rather than piling up for no writer.
            Volatile.Write(ref _writerFailed, true);
            Interlocked.Or(ref _state, Refusing);
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
            var state = Volatile.Read(ref _state);
            if ((state & ~Refusing) == 0)
            {
                if ((state & Refusing) != 0)
                {
                    return; // stopped, and every accepted item is written
                }
                WaitForItem();
                continue;
            }
            // Everything that gathered, a batch at a time. An item counted but not yet in the queue (its add is between
            // the count and the enqueue) is met on the next turn.
            do
            {
                batch.Clear();
                while (batch.Count < _batchSize && _queue.TryDequeue(out var item))
                {
                    batch.Add(item);
                }
                Interlocked.Add(ref _state, -batch.Count);
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
    // wake-up per batch. The flag's exchange and an add's increment are both full fences: either the count read here
    // shows the add, or the add sees the flag and wakes the thread.
    private void WaitForItem()
    {
        _itemCame.Reset();
        Interlocked.Exchange(ref _idle, 1);
        if (Volatile.Read(ref _state) == 0)
        {
            _itemCame.Wait();
        }
        Interlocked.Exchange(ref _idle, 0);
    }
}
