using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Providers.Bedrock;
using LlmProxy.Testing;
using LlmProxy.Tests.Fixtures;

namespace LlmProxy.Tests.Providers.Bedrock;

public sealed class BedrockAnswerTranslatorTests
{
    public static TheoryData<Arrival> Arrivals => Fixture.Arrivals;

    private static FeedResult Feed(string fixture, Arrival arrival, string? jsonTool = null) =>
        StreamFeed.Run(new BedrockAnswerTranslator("anthropic.claude-x", jsonTool, 1700000000), Fixture.ReadEvents(fixture), arrival);

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_TextStream_GivesTextFinishAndUsageWithCache(Arrival arrival)
    {
        var result = Feed("text", arrival);

        Assert.Null(result.Error);
        Assert.True(result.Finished);
        Assert.Equal("anthropic.claude-x", result.Sink.Started!.Value.Model);
        Assert.Equal("Café \"ouvert\" today. 🙂", result.Sink.Text);
        Assert.Equal(FinishReason.Stop, result.Sink.Finished);
        Assert.Equal(new TokenUsage(47, 9, 30, 5), result.Sink.Usage);
        Assert.Equal(['S', 'T', 'F', 'U'], result.Sink.Order);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_ParallelToolUse_NumbersCallsAndJoinsInputFragments(Arrival arrival)
    {
        var result = Feed("parallel_tools", arrival);

        var calls = result.Sink.ToolCalls;
        Assert.Equal([(0, "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "get_weather"), (1, "tooluse_2nd9Xq0bQ_eBp0sJ3zYc8w", "get_time")], calls.Select(c => (c.Index, c.Id, c.Name)));
        Assert.Equal("{\"location\": \"Paris\"}", calls[0].Arguments.ToString());
        Assert.Equal("{\"tz\": \"CET\"}", calls[1].Arguments.ToString());
        Assert.Equal(FinishReason.ToolCalls, result.Sink.Finished);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_Reasoning_GivesReasoningSignatureThenText(Arrival arrival)
    {
        var result = Feed("reasoning", arrival);

        Assert.Equal("27 * 453 = 12231", result.Sink.Reasoning);
        Assert.Equal("ErcBCkgIBxABGAIiQJ8Z", result.Sink.Signature);
        Assert.Equal("12,231", result.Sink.Text);
        Assert.Equal(FinishReason.Length, result.Sink.Finished);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_ThrottlingExceptionFrame_IsARetryable429(Arrival arrival)
    {
        var result = Feed("throttled", arrival);

        Assert.Equal("Partial", result.Sink.Text);
        Assert.Equal(429, result.Error!.Status);
        Assert.True(result.Error.IsRetryable);
        Assert.Contains("Too many tokens", result.Error.Message);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_StreamEndingWithoutMessageStop_IsNotFinished(Arrival arrival)
    {
        var result = Feed("truncated", arrival);

        Assert.Null(result.Error);
        Assert.False(result.Finished);
        Assert.Equal("Half an", result.Sink.Text);
    }

    [Fact]
    public void Translate_EmptyBody_StartsNothing()
    {
        var result = StreamFeed.Run(new BedrockAnswerTranslator("m", null, 0), [], Arrival.Whole);

        Assert.Null(result.Sink.Started);
        Assert.False(result.Finished);
    }

    [Fact]
    public void Translate_FrameWithBadCrc_IsAClearErrorNotAHang()
    {
        var bytes = Fixture.ReadEvents("text");
        bytes[40] ^= 0x01;

        var result = StreamFeed.Run(new BedrockAnswerTranslator("m", null, 0), bytes, Arrival.RandomSplits);

        Assert.Equal(ProviderErrorKind.InvalidResponse, result.Error?.Kind);
        Assert.Contains("CRC", result.Error!.Message);
    }

    [Fact]
    public void Translate_StreamCutInsideAFrame_IsAnIncompleteMessageError()
    {
        var bytes = Fixture.ReadEvents("text");

        var result = StreamFeed.Run(new BedrockAnswerTranslator("m", null, 0), bytes[..^7], Arrival.Whole);

        Assert.Contains("incomplete event-stream message", result.Error!.Message);
    }

    [Fact]
    public void TranslateBody_ConverseAnswer_EmitsBlocksThenFinishAndUsage()
    {
        var sink = new RecordingSink();

        var error = new BedrockAnswerTranslator("amazon.nova-pro-v1:0", null, 0).TranslateBody(Encoding.UTF8.GetBytes("""
            {"metrics":{"latencyMs":900},"output":{"message":{"content":[
              {"reasoningContent":{"reasoningText":{"text":"think","signature":"sig"}}},
              {"text":"Let me check."},
              {"toolUse":{"input":{"city":"Paris"},"name":"get_weather","toolUseId":"tooluse_1"}}],"role":"assistant"}},
             "stopReason":"tool_use","usage":{"inputTokens":30,"outputTokens":20,"totalTokens":50,"cacheReadInputTokens":10}}
            """), sink);

        Assert.Null(error);
        Assert.Equal(("think", "sig", "Let me check."), (sink.Reasoning, sink.Signature, sink.Text));
        Assert.Equal("{\"city\":\"Paris\"}", Assert.Single(sink.ToolCalls).Arguments.ToString());
        Assert.Equal(FinishReason.ToolCalls, sink.Finished);
        Assert.Equal(new TokenUsage(40, 20, 10, 0), sink.Usage);
    }
}
