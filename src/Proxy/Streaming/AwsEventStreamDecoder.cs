using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace LlmProxy.Streaming;

/// <summary>
/// Cuts AWS event-stream messages (application/vnd.amazon.eventstream, as Bedrock's ConverseStream sends them) off
/// the front of a buffered sequence: a prelude of total length, headers length and the prelude's CRC-32, the
/// headers, the payload, then the CRC-32 of everything before it. Both CRCs are checked; a message is read in place
/// when it sits in one segment, else copied once into a reused buffer.
/// https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html
/// </summary>
internal sealed class AwsEventStreamDecoder
{
    private const int PreludeLength = 12;
    private const int MinimumLength = PreludeLength + 4;
    // AWS caps an event-stream message at 16 MiB; a larger length is a corrupt prelude, not a message to wait for.
    private const int MaximumLength = 16 * 1024 * 1024;

    private byte[] _scratch = [];

    /// <summary>Why the last <see cref="TryRead"/> returned <see cref="OperationStatus.InvalidData"/>.</summary>
    public string Error { get; private set; } = "";

    public OperationStatus TryRead(ref ReadOnlySequence<byte> buffer, out AwsEventMessage message)
    {
        message = default;
        if (buffer.Length < PreludeLength)
        {
            return OperationStatus.NeedMoreData;
        }
        Span<byte> prelude = stackalloc byte[PreludeLength];
        buffer.Slice(0, PreludeLength).CopyTo(prelude);
        var totalLength = BinaryPrimitives.ReadUInt32BigEndian(prelude);
        var headersLength = BinaryPrimitives.ReadUInt32BigEndian(prelude[4..]);
        if (Crc32.HashToUInt32(prelude[..8]) != BinaryPrimitives.ReadUInt32BigEndian(prelude[8..]))
        {
            return Invalid("an event-stream prelude failed its CRC check");
        }
        if (totalLength is < MinimumLength or > MaximumLength || headersLength > totalLength - MinimumLength)
        {
            return Invalid($"an event-stream message with impossible lengths (total {totalLength}, headers {headersLength})");
        }
        if (buffer.Length < totalLength)
        {
            return OperationStatus.NeedMoreData;
        }
        var frame = buffer.Slice(0, totalLength);
        ReadOnlySpan<byte> bytes;
        if (frame.IsSingleSegment)
        {
            bytes = frame.FirstSpan;
        }
        else
        {
            if (_scratch.Length < totalLength)
            {
                _scratch = new byte[Math.Max(totalLength, 4096)];
            }
            frame.CopyTo(_scratch);
            bytes = _scratch.AsSpan(0, (int)totalLength);
        }
        if (Crc32.HashToUInt32(bytes[..^4]) != BinaryPrimitives.ReadUInt32BigEndian(bytes[^4..]))
        {
            return Invalid("an event-stream message failed its CRC check");
        }
        if (!TryReadHeaders(bytes.Slice(PreludeLength, (int)headersLength), out var messageType, out var eventType, out var exceptionType))
        {
            return Invalid("an event-stream message with malformed headers");
        }
        message = new AwsEventMessage(messageType, eventType, exceptionType, bytes[(PreludeLength + (int)headersLength)..^4]);
        buffer = buffer.Slice(totalLength);
        return OperationStatus.Done;
    }

    private OperationStatus Invalid(string reason)
    {
        Error = reason;
        return OperationStatus.InvalidData;
    }

    // Header: name length (1 byte), name, value type (1 byte), value. Strings (type 7) are what Bedrock sends; the
    // other types are skipped by their fixed or prefixed length.
    private static bool TryReadHeaders(ReadOnlySpan<byte> headers, out ReadOnlySpan<byte> messageType, out ReadOnlySpan<byte> eventType,
        out ReadOnlySpan<byte> exceptionType)
    {
        messageType = eventType = exceptionType = default;
        while (!headers.IsEmpty)
        {
            int nameLength = headers[0];
            if (headers.Length < 2 + nameLength)
            {
                return false;
            }
            var name = headers.Slice(1, nameLength);
            var type = headers[1 + nameLength];
            headers = headers[(2 + nameLength)..];
            var valueLength = type switch
            {
                0 or 1 => 0,
                2 => 1,
                3 => 2,
                4 => 4,
                5 or 8 => 8,
                9 => 16,
                6 or 7 when headers.Length >= 2 => 2 + BinaryPrimitives.ReadUInt16BigEndian(headers),
                _ => -1,
            };
            if (valueLength < 0 || headers.Length < valueLength)
            {
                return false;
            }
            if (type == 7)
            {
                var value = headers.Slice(2, valueLength - 2);
                if (name.SequenceEqual(":message-type"u8))
                {
                    messageType = value;
                }
                else if (name.SequenceEqual(":event-type"u8))
                {
                    eventType = value;
                }
                else if (name.SequenceEqual(":exception-type"u8))
                {
                    exceptionType = value;
                }
            }
            headers = headers[valueLength..];
        }
        return true;
    }
}
