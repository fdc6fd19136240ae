using System.Buffers;
using System.IO.Pipelines;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The events of a background response as its run writes them, each a whole server-sent event whose index is its
/// <c>sequence_number</c>: readers replay from any point and then follow live until the run ends, however many read
/// and whenever they join (a client that dropped its stream resumes with <c>starting_after</c>).
/// </summary>
/// <param name="appended">Given each event as it is appended, with its sequence number (the copy the log keeps): how a run
/// shares its events with other instances (<see cref="SharedRun.Push"/>). Null: kept here only.</param>
internal sealed class ResponseEventLog(Action<int, byte[]>? appended = null) : IEventFeed
{
    private readonly Lock _lock = new();
    private readonly List<byte[]> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _completed;

    /// <summary>How many events the log holds: the next one's sequence number.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _events.Count;
            }
        }
    }

    public void Append(ReadOnlySpan<byte> sseEvent)
    {
        TaskCompletionSource changed;
        var copy = sseEvent.ToArray();
        int sequenceNumber;
        lock (_lock)
        {
            sequenceNumber = _events.Count;
            _events.Add(copy);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
        appended?.Invoke(sequenceNumber, copy); // outside the lock; the run appends one event at a time, so the order holds
    }

    /// <summary>No more events will come: readers finish once they have the last one.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
        }
        _changed.TrySetResult();
    }

    /// <summary>Every event so far, as one SSE body (what the store keeps for a replay after the run).</summary>
    public byte[] ToArray()
    {
        lock (_lock)
        {
            var length = 0;
            foreach (var e in _events)
            {
                length += e.Length;
            }
            var all = new byte[length];
            var at = 0;
            foreach (var e in _events)
            {
                e.CopyTo(all, at);
                at += e.Length;
            }
            return all;
        }
    }

    /// <inheritdoc />
    public async Task CopyToAsync(PipeWriter output, int startingAfter, CancellationToken cancellationToken)
    {
        var next = Math.Max(0, startingAfter + 1);
        while (true)
        {
            Task changed;
            bool completed;
            var count = 0;
            lock (_lock)
            {
                for (; next < _events.Count; next++, count++)
                {
                    output.Write(_events[next]);
                }
                completed = _completed;
                changed = _changed.Task;
            }
            if (count > 0)
            {
                await output.FlushAsync(cancellationToken);
            }
            if (completed)
            {
                return;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }
}
