using System.Buffers;
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
    public void Crc32_StandardCheckValue_Matches() => Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

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
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), Crc32.Compute(bytes.AsSpan(0, 8)));
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.Equal(OperationStatus.InvalidData, new AwsEventStreamDecoder().TryRead(ref buffer, out _));
    }
}
