using System.Buffers;

namespace LlmProxy.Streaming;

/// <summary>
/// Cuts complete server-sent events off the front of a buffered sequence. An event ends at a blank line; lines end
/// in LF, CRLF or a lone CR (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
/// </summary>
/// <remarks>
/// Not the framework's <c>System.Net.ServerSentEvents.SseParser</c>: it pulls from a <c>Stream</c> and yields parsed
/// items, so it cannot give the pass-through relay what it needs, each event's raw bytes in the pipe's own buffers
/// (copied on unchanged, in runs, flushed once per read), and it allocates a string for every <c>event:</c> type.
/// Measured (<c>SseSplittingBenchmarks</c>, net10.0, over three sittings): on OpenAI's data-only events the two are
/// level (6.5-7.3 µs per 103-event stream here, 5.6-7.1 µs and 216 B for SseParser); on Anthropic's typed events this
/// is about 30 % faster (6.5-8.8 µs vs 9.1-10.3 µs) and allocates nothing where SseParser takes 6.7 KB per stream.
/// </remarks>
internal static class SseEventSplitter
{
    private static readonly SearchValues<byte> LineEnds = SearchValues.Create("\r\n"u8);

    /// <summary>
    /// Takes the next whole event, terminating blank line included, off <paramref name="buffer"/>, and says whether
    /// it is one line in one segment (the shape of nearly every event), so its reader need not look for lines again.
    /// Returns false when the buffer holds no complete event yet.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> sseEvent, out bool isSingleLine)
    {
        if (buffer.IsSingleSegment)
        {
            return TryReadSingleSegment(ref buffer, out sseEvent, out isSingleLine);
        }
        isSingleLine = false;
        var reader = new SequenceReader<byte>(buffer);
        var lineStart = 0L;
        while (reader.TryAdvanceToAny("\r\n"u8, advancePastDelimiter: false))
        {
            var lineLength = reader.Consumed - lineStart;
            reader.TryRead(out var terminator);
            if (terminator == (byte)'\r')
            {
                if (reader.End)
                {
                    break; // a CR at the end may be the first half of a CRLF: wait for the next byte.
                }
                reader.IsNext((byte)'\n', advancePast: true);
            }
            if (lineLength == 0)
            {
                sseEvent = buffer.Slice(0, reader.Position);
                buffer = buffer.Slice(reader.Position);
                return true;
            }
            lineStart = reader.Consumed;
        }
        sseEvent = default;
        return false;
    }

    private static bool TryReadSingleSegment(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> sseEvent, out bool isSingleLine)
    {
        var span = buffer.FirstSpan;
        var lineStart = 0;
        var lines = 0;
        while (true)
        {
            var at = span[lineStart..].IndexOfAny(LineEnds);
            if (at < 0)
            {
                break;
            }
            var end = lineStart + at + 1;
            if (span[lineStart + at] == (byte)'\r')
            {
                if (end == span.Length)
                {
                    break;
                }
                if (span[end] == (byte)'\n')
                {
                    end++;
                }
            }
            if (at == 0)
            {
                sseEvent = buffer.Slice(0, end);
                buffer = buffer.Slice(end);
                isSingleLine = lines == 1;
                return true;
            }
            lines++;
            lineStart = end;
        }
        sseEvent = default;
        isSingleLine = false;
        return false;
    }
}
