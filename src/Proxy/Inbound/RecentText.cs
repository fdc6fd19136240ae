namespace LlmProxy.Inbound;

/// <summary>
/// The text of recently formatted numbers, for header values that repeat from one answer to the next (a key's limit, a
/// reset time to the second or the millisecond): a miss formats and allocates, a hit returns the same string. Direct
/// mapped, <c>size</c> slots by the value's remainder; safe for concurrent use without a lock (a slot holds one immutable
/// entry, and two threads racing for it both store a right one). Formatting the rate-limit headers' numbers afresh on
/// every answer was about a third of what those headers cost (load harness workload 8, profiled 2026-12-01).
/// </summary>
internal sealed class RecentText(Func<long, string> format, int size = 64)
{
    private sealed record Entry(long Value, string Text);

    private readonly Entry?[] _slots = new Entry?[size];

    /// <summary><paramref name="value"/> as <c>format</c> writes it.</summary>
    public string Get(long value)
    {
        ref var slot = ref _slots[(int)((ulong)value % (ulong)_slots.Length)];
        var entry = Volatile.Read(ref slot);
        if (entry is null || entry.Value != value)
        {
            entry = new Entry(value, format(value));
            Volatile.Write(ref slot, entry);
        }
        return entry.Text;
    }
}
