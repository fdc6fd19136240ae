using System.Buffers;

namespace LlmProxy.Streaming;

/// <summary>
/// Reads the fields of one complete event (as cut by <see cref="SseEventSplitter"/>). The common case, one
/// <c>data:</c> line in one segment, is read in place; multi-segment or multi-line events go through scratch
/// buffers made on first need and reused, so a long stream parses without allocating per event.
/// </summary>
internal sealed class SseEventParser
{
    private ArrayBufferWriter<byte>? _linearized;
    private ArrayBufferWriter<byte>? _joinedData;

    public SseEvent Parse(ReadOnlySequence<byte> sseEvent)
    {
        ReadOnlySpan<byte> span;
        if (sseEvent.IsSingleSegment)
        {
            span = sseEvent.FirstSpan;
        }
        else
        {
            _linearized ??= new ArrayBufferWriter<byte>(1024);
            _linearized.ResetWrittenCount();
            foreach (var segment in sseEvent)
            {
                _linearized.Write(segment.Span);
            }
            span = _linearized.WrittenSpan;
        }
        return ParseLines(span);
    }

    private SseEvent ParseLines(ReadOnlySpan<byte> span)
    {
        ReadOnlySpan<byte> eventType = default;
        ReadOnlySpan<byte> data = default;
        var dataLines = 0;
        while (!span.IsEmpty)
        {
            var end = span.IndexOfAny((byte)'\r', (byte)'\n');
            var line = end < 0 ? span : span[..end];
            span = end < 0 ? default : span[(end + TerminatorLength(span, end))..];
            if (line.IsEmpty)
            {
                break;
            }
            if (line[0] == (byte)':')
            {
                continue;
            }
            var colon = line.IndexOf((byte)':');
            var name = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? default : line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }
            if (name.SequenceEqual("data"u8))
            {
                data = AppendData(data, value, ++dataLines);
            }
            else if (name.SequenceEqual("event"u8))
            {
                eventType = value;
            }
        }
        return new SseEvent(eventType, data, dataLines > 0);
    }

    private ReadOnlySpan<byte> AppendData(ReadOnlySpan<byte> data, ReadOnlySpan<byte> line, int lineNumber)
    {
        if (lineNumber == 1)
        {
            return line;
        }
        _joinedData ??= new ArrayBufferWriter<byte>(1024);
        if (lineNumber == 2)
        {
            _joinedData.ResetWrittenCount();
            _joinedData.Write(data);
        }
        _joinedData.Write("\n"u8);
        _joinedData.Write(line);
        return _joinedData.WrittenSpan;
    }

    private static int TerminatorLength(ReadOnlySpan<byte> span, int at) =>
        span[at] == (byte)'\r' && at + 1 < span.Length && span[at + 1] == (byte)'\n' ? 2 : 1;
}
