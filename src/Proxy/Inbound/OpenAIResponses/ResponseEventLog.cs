using System.Buffers;
using System.IO.Pipelines;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The events of a background response as its run writes them, each a whole server-sent event whose index is its
/// <c>sequence_number</c>: readers replay from any point and then follow live until the run ends, however many read
/// and whenever they join (a client that dropped its stream resumes with <c>starting_after</c>).
/// </summary>
internal sealed class ResponseEventLog
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
        lock (_lock)
        {
            _events.Add(sseEvent.ToArray());
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
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

    /// <summary>Writes the events after <paramref name="startingAfter"/> (-1: all), then each new one as it comes, until the run ends.</summary>
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
