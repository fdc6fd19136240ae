using System.Buffers;
using System.IO.Hashing;
using System.Text;
using LlmProxy.Streaming;
using LlmProxy.Testing;

namespace LlmProxy.Tests.Streaming;

public sealed class AwsEventStreamDecoderTests
{
    private static readonly byte[] Two =
    [
        .. AwsEventStreamWriter.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Hello"},"p":"abcdefgh"}"""),
        .. AwsEventStreamWriter.Exception("throttlingException", "Too many requests, please wait before trying again."),
    ];

    [Fact]
    public void TryRead_AwsTestVectors_Decode()
    {
        // aws-c-event-stream's encoded/positive/empty_message and payload_no_headers, their CRC-32s as AWS wrote
        // them (not computed here), so the decoder is checked against the wire, not against the test writer's CRC.
        byte[] vectors =
        [
            0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x05, 0xC2, 0x48, 0xEB, 0x7D, 0x98, 0xC8, 0xFF,
            0x00, 0x00, 0x00, 0x1D, 0x00, 0x00, 0x00, 0x00, 0xFD, 0x52, 0x8C, 0x5A, 0x7B, 0x27, 0x66, 0x6F,
            0x6F, 0x27, 0x3A, 0x27, 0x62, 0x61, 0x72, 0x27, 0x7D, 0xC3, 0x65, 0x39, 0x36,
        ];
        var decoder = new AwsEventStreamDecoder();
        var buffer = new ReadOnlySequence<byte>(vectors);

        Assert.Equal(OperationStatus.Done, decoder.TryRead(ref buffer, out var empty));
        Assert.True(empty.Payload.IsEmpty && empty.MessageType.IsEmpty, "an empty message has no headers and no payload");
        Assert.Equal(OperationStatus.Done, decoder.TryRead(ref buffer, out var payload));
        Assert.Equal("{'foo':'bar'}", Encoding.UTF8.GetString(payload.Payload));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryRead_TwoMessages_GivesHeadersAndPayloads()
    {
        var decoder = new AwsEventStreamDecoder();
        var buffer = new ReadOnlySequence<byte>(Two);

        Assert.Equal(OperationStatus.Done, decoder.TryRead(ref buffer, out var first));
        Assert.True(first.IsEvent);
        Assert.Equal("contentBlockDelta", Encoding.UTF8.GetString(first.EventType));
        Assert.Equal("""{"contentBlockIndex":0,"delta":{"text":"Hello"},"p":"abcdefgh"}""", Encoding.UTF8.GetString(first.Payload));
        Assert.Equal(OperationStatus.Done, decoder.TryRead(ref buffer, out var second));
        Assert.Equal(("exception", "throttlingException"), (Encoding.UTF8.GetString(second.MessageType), Encoding.UTF8.GetString(second.ExceptionType)));
        Assert.True(buffer.IsEmpty);
        Assert.Equal(OperationStatus.NeedMoreData, decoder.TryRead(ref buffer, out _));
    }

    [Fact]
    public void TryRead_SplitAtEveryBytePosition_DecodesTheSameMessages()
    {
        for (var cut = 1; cut < Two.Length; cut++)
        {
            var decoder = new AwsEventStreamDecoder();
            // Two segments: the message is decoded across the boundary, or waits for more when it is incomplete.
            var partial = new ReadOnlySequence<byte>(Two.AsMemory(0, cut));
            var types = new List<string>();
            while (decoder.TryRead(ref partial, out var message) == OperationStatus.Done)
            {
                types.Add(Encoding.UTF8.GetString(message.IsEvent ? message.EventType : message.ExceptionType));
            }
            var rest = SegmentedSequence.Of(partial.ToArray(), Two.AsSpan(cut).ToArray());
            while (decoder.TryRead(ref rest, out var message) == OperationStatus.Done)
            {
                types.Add(Encoding.UTF8.GetString(message.IsEvent ? message.EventType : message.ExceptionType));
            }
            Assert.True(types is ["contentBlockDelta", "throttlingException"], $"cut at {cut}: {string.Join(",", types)}");
            Assert.True(rest.IsEmpty);
        }
    }

    [Theory]
    [InlineData(9, "prelude failed its CRC check")]
    [InlineData(30, "message failed its CRC check")]
    [InlineData(-2, "message failed its CRC check")]
    public void TryRead_CorruptByte_IsInvalidDataNotACrash(int at, string reason)
    {
        var bytes = AwsEventStreamWriter.Event("messageStop", """{"stopReason":"end_turn"}""");
        bytes[at < 0 ? bytes.Length + at : at] ^= 0x40;
        var decoder = new AwsEventStreamDecoder();
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.Equal(OperationStatus.InvalidData, decoder.TryRead(ref buffer, out _));
        Assert.Contains(reason, decoder.Error);
    }

    [Fact]
    public void TryRead_ImpossibleLength_IsInvalidInsteadOfWaitingForever()
    {
        var bytes = AwsEventStreamWriter.Event("messageStop", "{}");
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, 0x7FFFFFFF);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), Crc32.HashToUInt32(bytes.AsSpan(0, 8)));
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.Equal(OperationStatus.InvalidData, new AwsEventStreamDecoder().TryRead(ref buffer, out _));
    }
}
