using System.Buffers;

namespace LlmProxy.Streaming;

/// <summary>
/// The incomplete event left at the end of a provider's stream after each read: it says whether the bytes that arrived
/// since can have completed an event (an event ends only when a line ending arrives, or when the byte after a final CR
/// does), so that one large event dripping in does not get searched from its start on every read, and it caps the
/// tail at <see cref="MaxBytes"/> so that a provider that never ends its event cannot take memory without bound.
/// </summary>
internal struct SseTail
{
    /// <summary>The largest event held while it arrives (the whole of a non-stream answer has the same limit).</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    private static readonly SearchValues<byte> LineEnds = SearchValues.Create("\r\n"u8);

    private long _searched;

    /// <summary>
    /// False when <paramref name="buffer"/> is the tail searched last time plus bytes with no line ending; true over
    /// the cap, so that the caller's <see cref="Searched"/> refuses it.
    /// </summary>
    public readonly bool MayHoldEvent(in ReadOnlySequence<byte> buffer)
    {
        if (_searched == 0 || buffer.Length <= _searched || buffer.Length > MaxBytes)
        {
            return true;
        }
        // From the last byte already searched: a CR there may be completed by whatever byte comes next.
        var fresh = buffer.Slice(_searched - 1);
        if (fresh.IsSingleSegment)
        {
            return fresh.FirstSpan.IndexOfAny(LineEnds) >= 0;
        }
        foreach (var segment in fresh)
        {
            if (segment.Span.IndexOfAny(LineEnds) >= 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Records the tail left after splitting; false when it is over <see cref="MaxBytes"/>.</summary>
    public bool Searched(in ReadOnlySequence<byte> tail)
    {
        _searched = tail.Length;
        return tail.Length <= MaxBytes;
    }

    /// <summary>What a provider sent when its tail went over the cap.</summary>
    public const string TooLarge = "an event larger than 64 MiB";
}
