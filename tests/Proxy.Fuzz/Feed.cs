using System.Buffers;

namespace LlmProxy.Fuzz;

/// <summary>A streaming parser's step: reads complete frames off the front of <paramref name="buffer"/>; true to stop.</summary>
internal delegate bool FrameStep(ref ReadOnlySequence<byte> buffer, bool isLast);

/// <summary>
/// Delivers bytes to a streaming parser as a socket might: whole, in random chunks, or one byte at a time. Each step
/// sees every byte not yet consumed, as a multi-segment sequence with a segment per chunk (as a pipe hands them over);
/// the chain of segments is built once, so feeding allocates nothing per step.
/// </summary>
internal static class Feed
{
    private const int ByteByByteMax = 4096;

    public static void Run(byte[] bytes, Arrival arrival, int knob, FrameStep step)
    {
        if (bytes.Length == 0)
        {
            var empty = ReadOnlySequence<byte>.Empty;
            step(ref empty, isLast: true);
            return;
        }
        var random = new Random(knob);
        Chunk? first = null, last = null;
        for (var at = 0; at < bytes.Length;)
        {
            var size = arrival switch
            {
                Arrival.Whole => bytes.Length,
                Arrival.ByteByByte when bytes.Length <= ByteByByteMax => 1,
                _ => random.Next(1, random.Next(2) == 0 ? 16 : 2048),
            };
            var chunk = new Chunk(bytes.AsMemory(at, Math.Min(size, bytes.Length - at)), at);
            if (last is null)
            {
                first = chunk;
            }
            else
            {
                last.Next = chunk;
            }
            last = chunk;
            at += chunk.Memory.Length;
        }
        var start = new SequencePosition(first, 0);
        for (var chunk = first; chunk is not null; chunk = (Chunk?)chunk.Next)
        {
            var buffer = new ReadOnlySequence<byte>((Chunk)start.GetObject()!, start.GetInteger(), chunk, chunk.Memory.Length);
            if (step(ref buffer, isLast: chunk.Next is null))
            {
                return;
            }
            // The proxy hands buffer.Start back to its pipe: it must still be a position in the bytes given.
            start = buffer.Start.GetObject() is Chunk ? buffer.Start
                : throw new InvalidOperationException("the parser left a buffer that is not a slice of the bytes it was given");
        }
    }

    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public new ReadOnlySequenceSegment<byte>? Next
        {
            get => base.Next;
            set => base.Next = value;
        }
    }
}
