using System.Buffers;
using System.Text;
using LlmProxy.Streaming;
using LlmProxy.Testing;

namespace LlmProxy.Tests.Streaming;

public sealed class SseEventSplitterTests
{
    private const string Stream = "data: {\"a\":1}\n\n: keep-alive\n\nevent: message_start\ndata: {\"b\":2}\n\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n";

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void TryRead_EveryLineEnding_CutsTheSameEvents(string newline)
    {
        var text = Stream.Replace("\n", newline);

        // A final lone CR might be the first half of a CRLF, so the last event needs one more byte to be cut.
        var events = Split([Encoding.UTF8.GetBytes(text + "d")]);

        Assert.Equal(5, events.Count);
        Assert.Equal(text, string.Concat(events));
    }

    [Fact]
    public void TryRead_StreamSplitAtEveryPosition_CutsTheSameEvents()
    {
        var bytes = Encoding.UTF8.GetBytes(Stream.Replace("\n", "\r\n"));
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var events = Split([bytes[..cut], bytes[cut..]]);

            Assert.Equal(5, events.Count);
            Assert.Equal(Encoding.UTF8.GetString(bytes), string.Concat(events));
        }
    }

    [Fact]
    public void TryRead_ByteBySegment_CutsTheSameEvents()
    {
        var bytes = Encoding.UTF8.GetBytes(Stream);

        var events = Split(bytes.Select(b => new[] { b }).ToArray());

        Assert.Equal(5, events.Count);
    }

    [Fact]
    public void TryRead_IncompleteEvent_WaitsForMore()
    {
        var buffer = new ReadOnlySequence<byte>("data: {\"a\":1}\n"u8.ToArray());

        Assert.False(SseEventSplitter.TryRead(ref buffer, out _, out _));
        Assert.Equal(14, buffer.Length);
    }

    [Fact]
    public void TryRead_TrailingCarriageReturn_WaitsToSeeIfLineFeedFollows()
    {
        var buffer = new ReadOnlySequence<byte>("data: x\r\n\r"u8.ToArray());

        Assert.False(SseEventSplitter.TryRead(ref buffer, out _, out _));
    }

    [Theory]
    [InlineData("data: {}\n\n", true)]
    [InlineData("data: {}\r\n\r\n", true)]
    [InlineData("event: x\ndata: {}\n\n", false)]
    [InlineData("data: a\ndata: b\n\n", false)]
    public void TryRead_SingleLineEvent_IsFlagged(string text, bool singleLine)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));

        Assert.True(SseEventSplitter.TryRead(ref buffer, out _, out var isSingleLine));
        Assert.Equal(singleLine, isSingleLine);
    }

    internal static List<string> Split(byte[][] segments)
    {
        var events = new List<string>();
        var pending = new List<byte>();
        foreach (var segment in segments)
        {
            pending.AddRange(segment);
            var buffer = SegmentedSequence.From(pending.ToArray(), segments.Length > 2 ? 1 : pending.Count);
            while (SseEventSplitter.TryRead(ref buffer, out var sseEvent, out _))
            {
                events.Add(Encoding.UTF8.GetString(sseEvent.ToArray()));
            }
            pending = [.. buffer.ToArray()];
        }
        return events;
    }
}
