using System.Buffers;

namespace LlmProxy.Testing;

/// <summary>Builds a multi-segment sequence, as a pipe hands over data that arrived in several reads.</summary>
internal sealed class SegmentedSequence : ReadOnlySequenceSegment<byte>
{
    private SegmentedSequence(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>One segment per non-empty part, in order.</summary>
    public static ReadOnlySequence<byte> Of(params byte[][] parts)
    {
        SegmentedSequence? first = null, last = null;
        long at = 0;
        foreach (var part in parts)
        {
            if (part.Length == 0)
            {
                continue;
            }
            var segment = new SegmentedSequence(part, at);
            at += part.Length;
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.Next = segment;
            }
            last = segment;
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    public static ReadOnlySequence<byte> From(byte[] bytes, int segmentSize)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        segmentSize = Math.Max(1, segmentSize);
        var first = new SegmentedSequence(bytes.AsMemory(0, Math.Min(segmentSize, bytes.Length)), 0);
        var last = first;
        for (var at = segmentSize; at < bytes.Length; at += segmentSize)
        {
            var next = new SegmentedSequence(bytes.AsMemory(at, Math.Min(segmentSize, bytes.Length - at)), at);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
