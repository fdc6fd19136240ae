using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Providers.Bedrock;
using LlmProxy.Testing;

namespace LlmProxy.Tests.Providers;

/// <summary>A stop sequence, and which one, read from each provider that says it.</summary>
public sealed class StopSequenceTranslationTests
{
    [Theory]
    [MemberData(nameof(Fixtures.Fixture.Arrivals), MemberType = typeof(Fixtures.Fixture))]
    public void Anthropic_StreamEndedByAStopSequence_NamesIt(Arrival arrival)
    {
        var stream = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"1, 2"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"###"},"usage":{"output_tokens":4}}

            event: message_stop
            data: {"type":"message_stop"}


            """.ReplaceLineEndings("\n");

        var result = StreamFeed.Run(new AnthropicAnswerTranslator(null, 0), Encoding.UTF8.GetBytes(stream), arrival);

        Assert.Equal((FinishReason.StopSequence, "###"), (result.Sink.Finished, result.Sink.StopSequence));
    }

    [Fact]
    public void Anthropic_BodyEndedByAStopSequence_NamesIt()
    {
        var sink = new RecordingSink();
        new AnthropicAnswerTranslator(null, 0).TranslateBody(Encoding.UTF8.GetBytes("""
            {"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"1, 2"}],"stop_reason":"stop_sequence","stop_sequence":"###","usage":{"input_tokens":5,"output_tokens":4}}
            """), sink);

        Assert.Equal((FinishReason.StopSequence, "###"), (sink.Finished, sink.StopSequence));
    }

    [Fact]
    public void Anthropic_PauseTurn_IsAPause()
    {
        var sink = new RecordingSink();
        new AnthropicAnswerTranslator(null, 0).TranslateBody(Encoding.UTF8.GetBytes("""
            {"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"Searching"}],"stop_reason":"pause_turn","usage":{"input_tokens":5,"output_tokens":4}}
            """), sink);

        Assert.Equal(FinishReason.Pause, sink.Finished);
    }

    [Theory]
    [MemberData(nameof(Fixtures.Fixture.Arrivals), MemberType = typeof(Fixtures.Fixture))]
    public void Bedrock_StreamEndedByAStopSequence_NamesItFromClaudesFields(Arrival arrival)
    {
        var stream = AwsEventStreamWriter.EncodeLines([
            """messageStart {"role":"assistant"}""",
            """contentBlockDelta {"contentBlockIndex":0,"delta":{"text":"1, 2"}}""",
            """contentBlockStop {"contentBlockIndex":0}""",
            """messageStop {"stopReason":"stop_sequence","additionalModelResponseFields":{"stop_sequence":"###"}}""",
            """metadata {"usage":{"inputTokens":5,"outputTokens":4,"totalTokens":9},"metrics":{"latencyMs":1}}""",
        ]);

        var result = StreamFeed.Run(new BedrockAnswerTranslator("anthropic.claude-x", null, 0), stream, arrival);

        Assert.Equal((FinishReason.StopSequence, "###"), (result.Sink.Finished, result.Sink.StopSequence));
    }

    [Fact]
    public void Bedrock_BodyEndedByAStopSequenceWithoutClaudesFields_IsAStopSequenceUnnamed()
    {
        var sink = new RecordingSink();
        new BedrockAnswerTranslator("amazon.nova-pro-v1:0", null, 0).TranslateBody(Encoding.UTF8.GetBytes("""
            {"output":{"message":{"role":"assistant","content":[{"text":"1, 2"}]}},"stopReason":"stop_sequence","usage":{"inputTokens":5,"outputTokens":4,"totalTokens":9},"metrics":{"latencyMs":1}}
            """), sink);

        Assert.Equal((FinishReason.StopSequence, (string?)null), (sink.Finished, sink.StopSequence));
    }
}
