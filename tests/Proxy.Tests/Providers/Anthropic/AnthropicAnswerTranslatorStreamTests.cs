using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Testing;
using LlmProxy.Tests.Fixtures;

namespace LlmProxy.Tests.Providers.Anthropic;

public sealed class AnthropicAnswerTranslatorStreamTests
{
    public static TheoryData<Arrival> Arrivals => Fixture.Arrivals;

    private static FeedResult Feed(string fixture, Arrival arrival, string? jsonTool = null) =>
        StreamFeed.Run(new AnthropicAnswerTranslator(jsonTool, 1700000000), Fixture.Read("anthropic", fixture), arrival);

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_TextStream_GivesTextFinishAndUsageWithCacheCounts(Arrival arrival)
    {
        var result = Feed("text", arrival);

        Assert.Null(result.Error);
        Assert.True(result.Finished, "message_stop ends the answer");
        var sink = result.Sink;
        Assert.Equal("msg_01XFDUDYJgAACzvnptvVoYEL", sink.Started!.Value.Id);
        Assert.Equal("claude-sonnet-4-5-20250929", sink.Started.Value.Model);
        Assert.Equal("Bonjour, café \"ouvert\"\n🙂", sink.Text);
        Assert.Equal(FinishReason.Stop, sink.Finished);
        // Anthropic's input_tokens (25) excludes cache reads (2000) and writes (100); the canonical input includes both.
        Assert.Equal(new TokenUsage(2125, 15, 2000, 100), sink.Usage);
        Assert.Equal(['S', 'T', 'F', 'U'], sink.Order);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_ParallelToolCallsSplitAcrossDeltas_EmitsOneCallEachNumberedPerCall(Arrival arrival)
    {
        var result = Feed("parallel_tools", arrival);

        Assert.Null(result.Error);
        var sink = result.Sink;
        Assert.Equal("Checking both cities.", sink.Text);
        Assert.Collection(sink.ToolCalls,
            call =>
            {
                // Content block 1, but the first tool call: OpenAI clients index tool calls, not blocks.
                Assert.Equal((0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather"), (call.Index, call.Id, call.Name));
                Assert.Equal("{\"location\": \"San Francisco, CA\"}", call.Arguments.ToString());
                Assert.Equal(3, call.Fragments);
            },
            call =>
            {
                Assert.Equal((1, "toolu_01NBkPAmbSDa2v2TM3xnqzzQ", "get_time"), (call.Index, call.Id, call.Name));
                Assert.Equal("{\"timezone\": \"America/New_York\"}", call.Arguments.ToString());
            });
        Assert.Equal(FinishReason.ToolCalls, sink.Finished);
        Assert.Equal(new TokenUsage(472, 89), sink.Usage);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_ThinkingWithSignature_GivesReasoningThenText(Arrival arrival)
    {
        var result = Feed("thinking", arrival);

        var sink = result.Sink;
        Assert.Equal("27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231", sink.Reasoning);
        Assert.Equal("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+/x3+7dYq6gHqOv3TCfQ==", sink.Signature);
        Assert.Equal("27 * 453 = 12,231", sink.Text);
        Assert.Equal(['S', 'R', 'G', 'T', 'F', 'U'], sink.Order);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_MaxTokensStop_FinishesWithLength(Arrival arrival)
    {
        var result = Feed("max_tokens", arrival);

        Assert.Equal(FinishReason.Length, result.Sink.Finished);
        Assert.Equal("Once upon a", result.Sink.Text);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_ErrorEvent_KeepsContentAndReturnsRetryableOverload(Arrival arrival)
    {
        var result = Feed("error", arrival);

        Assert.Equal("Partial", result.Sink.Text);
        Assert.NotNull(result.Error);
        Assert.Equal(529, result.Error!.Status);
        Assert.Equal("overloaded_error", result.Error.Type);
        Assert.Equal("Overloaded", result.Error.Message);
        Assert.True(result.Error.IsRetryable, "an overloaded Claude is worth another deployment");
        Assert.Null(result.Sink.Finished);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_StreamEndingWithoutMessageStop_IsNotFinished(Arrival arrival)
    {
        var result = Feed("truncated", arrival);

        Assert.Null(result.Error);
        Assert.False(result.Finished, "no message_stop: a truncated answer, never a fake finish");
        Assert.Equal("Half an ans", result.Sink.Text);
        Assert.Null(result.Sink.Finished);
    }

    [Fact]
    public void Translate_EmptyBody_StartsNothingAndIsNotFinished()
    {
        var result = StreamFeed.Run(new AnthropicAnswerTranslator(null, 0), [], Arrival.Whole);

        Assert.Null(result.Sink.Started);
        Assert.False(result.Finished);
    }

    [Fact]
    public void Translate_JsonAnswerTool_BecomesTextAndStop()
    {
        var stream = Fixture.Read("anthropic", "parallel_tools");
        var result = StreamFeed.Run(new AnthropicAnswerTranslator("get_weather", 0), stream, Arrival.Whole);

        Assert.Equal("Checking both cities.{\"location\": \"San Francisco, CA\"}", result.Sink.Text);
        Assert.Single(result.Sink.ToolCalls);
        Assert.Equal(0, result.Sink.ToolCalls[0].Index);
    }

    [Theory]
    [InlineData("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n", "never started")]
    [InlineData("event: message_start\ndata: not json\n\n", "not valid JSON")]
    [InlineData("event: message_start\ndata: [1,2]\n\n", "not a JSON object")]
    [InlineData("event: content_block_start\ndata: {\"index\":99999,\"content_block\":{\"type\":\"text\"}}\n\n", "content block index")]
    [InlineData("event: content_block_start\ndata: {\"index\":0,\"content_block\":{\"type\":\"tool_use\"}}\n\n", "without an id")]
    [InlineData("event: content_block_start\ndata: {\"index\":\"zero\",\"content_block\":{\"type\":\"text\"}}\n\n", "content block index of -1")]
    [InlineData("event: content_block_start\ndata: {\"index\":4000000000,\"content_block\":{\"type\":\"text\"}}\n\n", "content block index of -1")]
    [InlineData("event: content_block_start\ndata: {\"index\":2.5,\"content_block\":{\"type\":\"text\"}}\n\n", "content block index of -1")]
    public void Translate_MalformedEvent_IsAnInvalidResponseNotACrash(string stream, string reason)
    {
        var result = StreamFeed.Run(new AnthropicAnswerTranslator(null, 0), Encoding.UTF8.GetBytes(stream), Arrival.Whole);

        Assert.NotNull(result.Error);
        Assert.Equal(ProviderErrorKind.InvalidResponse, result.Error!.Kind);
        Assert.Contains(reason, result.Error.Message);
    }
}
