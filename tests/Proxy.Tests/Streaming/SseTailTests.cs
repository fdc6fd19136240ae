using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Providers;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Streaming;
using LlmProxy.Testing;

namespace LlmProxy.Tests.Streaming;

/// <summary>
/// A provider's incomplete event between reads: searched again only when a line ending may have completed it (a large
/// event dripping in is not searched from its start on every read), and never held beyond 64 MiB.
/// </summary>
public sealed class SseTailTests
{
    private const string Stream =
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n" +
        ": keep-alive\n\n" +
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n" +
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
        "data: [DONE]\n\n";

    [Fact]
    public void MayHoldEvent_OnlyBytesWithoutALineEndingArrived_IsFalse()
    {
        var tail = new SseTail();
        tail.Searched(Sequence("data: {\"a\""));

        Assert.False(tail.MayHoldEvent(Sequence("data: {\"a\":1234")));
        Assert.True(tail.MayHoldEvent(Sequence("data: {\"a\":1}\n")));
    }

    [Fact]
    public void MayHoldEvent_TailEndedInACarriageReturn_IsTrueForAnyNextByte()
    {
        var tail = new SseTail();
        // "\r\r" may be a blank line or the start of "\r\r\n": the next byte, whatever it is, decides.
        tail.Searched(Sequence("data: x\r\r"));

        Assert.True(tail.MayHoldEvent(Sequence("data: x\r\rd")));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void RelayFilter_StreamDrippedByteByByte_PassesTheSameBytesAsWhole(string newline)
    {
        var bytes = Encoding.UTF8.GetBytes(Stream.Replace("\n", newline));

        Assert.Equal(Relay(bytes, 1), Relay(bytes, bytes.Length));
        Assert.Equal(Relay(bytes, 7), Relay(bytes, bytes.Length));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Translator_StreamDrippedByteByByte_TranslatesEveryEvent(string newline)
    {
        var result = StreamFeed.Run(new OpenAIAnswerTranslator(0), Encoding.UTF8.GetBytes(Stream.Replace("\n", newline)), Arrival.ByteByByte);

        Assert.Null(result.Error);
        Assert.True(result.Finished);
        Assert.Equal("Hello", result.Sink.Text);
    }

    [Fact]
    public async Task Translator_EventThatNeverEnds_IsRefusedPast64MiB()
    {
        var translator = new OpenAIAnswerTranslator(0);

        var (error, fed) = await FeedEndlessEventAsync((ref ReadOnlySequence<byte> buffer) => translator.TranslateFrames(ref buffer, false, new RecordingSink()));

        Assert.Equal(ProviderErrorKind.InvalidResponse, error!.Kind);
        Assert.Contains("an event larger than 64 MiB", error.Message);
        Assert.InRange(fed, 64, 66);
    }

    [Fact]
    public async Task RelayFilter_EventThatNeverEnds_IsRefusedPast64MiB()
    {
        var filter = new OpenAIChatStreamFilter(clientWantsUsage: false);
        var output = new ArrayBufferWriter<byte>();

        var (error, fed) = await FeedEndlessEventAsync((ref ReadOnlySequence<byte> buffer) =>
            filter.Process(ref buffer, output) ? null : ProviderError.Invalid(SseTail.TooLarge));

        Assert.NotNull(error);
        Assert.InRange(fed, 64, 66);
        Assert.Equal(0, output.WrittenCount);
    }

    private delegate ProviderError? Step(ref ReadOnlySequence<byte> buffer);

    // One event's data line that never ends, written a MiB at a time into a pipe and read as the proxy reads it.
    private static async Task<(ProviderError? Error, int MiBFed)> FeedEndlessEventAsync(Step step)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
        var chunk = new byte[1024 * 1024];
        chunk.AsSpan().Fill((byte)'a');
        await pipe.Writer.WriteAsync("data: "u8.ToArray());
        for (var fed = 1; fed <= 80; fed++)
        {
            await pipe.Writer.WriteAsync(chunk);
            var result = await pipe.Reader.ReadAsync();
            var buffer = result.Buffer;
            var error = step(ref buffer);
            pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
            if (error is not null)
            {
                return (error, fed);
            }
        }
        return (null, 80);
    }

    private static string Relay(byte[] bytes, int readSize)
    {
        var filter = new OpenAIChatStreamFilter(clientWantsUsage: false);
        var output = new ArrayBufferWriter<byte>();
        var pending = new List<byte>();
        for (var at = 0; at < bytes.Length; at += readSize)
        {
            pending.AddRange(bytes.AsSpan(at, Math.Min(readSize, bytes.Length - at)));
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            Assert.True(filter.Process(ref buffer, output));
            pending.RemoveRange(0, pending.Count - (int)buffer.Length);
        }
        var remainder = new ReadOnlySequence<byte>(pending.ToArray());
        filter.ProcessRemainder(remainder, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static ReadOnlySequence<byte> Sequence(string text) => new(Encoding.UTF8.GetBytes(text));
}
