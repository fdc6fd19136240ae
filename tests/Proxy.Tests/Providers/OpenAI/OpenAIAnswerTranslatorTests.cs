using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Testing;
using LlmProxy.Tests.Fixtures;

namespace LlmProxy.Tests.Providers.OpenAI;

public sealed class OpenAIAnswerTranslatorTests
{
    public static TheoryData<Arrival> Arrivals => Fixture.Arrivals;

    private static FeedResult Feed(string fixture, Arrival arrival) =>
        StreamFeed.Run(new OpenAIAnswerTranslator(1700000000), Fixture.Read("openai", fixture), arrival);

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_TextStream_GivesTextFinishAndUsage(Arrival arrival)
    {
        var result = Feed("text", arrival);

        Assert.Null(result.Error);
        Assert.True(result.Finished);
        var sink = result.Sink;
        Assert.Equal(("chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "gpt-4o-2024-08-06"), (sink.Started!.Value.Id, sink.Started.Value.Model));
        Assert.Equal(1, sink.StartCount);
        Assert.Equal("Café \"ouvert\" today.", sink.Text);
        Assert.Equal(FinishReason.Stop, sink.Finished);
        Assert.Equal(new TokenUsage(19, 10, 3, 0, 4), sink.Usage);
        Assert.Equal(['S', 'T', 'F', 'U'], sink.Order);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_ParallelToolCalls_KeepTheirIndexIdNameAndJoinedArguments(Arrival arrival)
    {
        var result = Feed("parallel_tools", arrival);

        var calls = result.Sink.ToolCalls;
        Assert.Equal([(0, "call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather"), (1, "call_2ZaZp0f0vBtbQ7Yd5WyY8QeK", "get_time")],
            calls.Select(c => (c.Index, c.Id, c.Name)));
        Assert.Equal("{\"location\": \"Paris\"}", calls[0].Arguments.ToString());
        Assert.Equal("{\"tz\": \"CET\"}", calls[1].Arguments.ToString());
        Assert.Equal(FinishReason.ToolCalls, result.Sink.Finished);
        Assert.Equal("", result.Sink.Text);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_ReasoningContent_GivesReasoningThenText(Arrival arrival)
    {
        var result = Feed("reasoning", arrival);

        Assert.Equal("9.11 vs 9.9: compare tenths.", result.Sink.Reasoning);
        Assert.Equal("9.9 is larger.", result.Sink.Text);
        Assert.Equal(24, result.Sink.Usage!.Value.ReasoningTokens);
        Assert.Equal(['S', 'R', 'T', 'F', 'U'], result.Sink.Order);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_StreamEndingWithoutDone_IsNotFinished(Arrival arrival)
    {
        var result = Feed("truncated", arrival);

        Assert.Null(result.Error);
        Assert.False(result.Finished, "no [DONE]: a truncated answer");
        Assert.Equal("Half an", result.Sink.Text);
    }

    [Fact]
    public void Translate_EmptyBody_StartsNothingAndIsNotFinished()
    {
        var result = StreamFeed.Run(new OpenAIAnswerTranslator(0), [], Arrival.Whole);

        Assert.Null(result.Sink.Started);
        Assert.False(result.Finished, "a stream that died before its first byte is retryable, not an empty answer");
    }

    [Fact]
    public void Translate_ErrorEvent_IsARetryableServerError()
    {
        var stream = "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n"u8.ToArray();

        var result = StreamFeed.Run(new OpenAIAnswerTranslator(0), stream, Arrival.Whole);

        Assert.Equal("The server had an error", result.Error!.Message);
        Assert.True(result.Error.IsRetryable);
        Assert.Null(result.Sink.Started);
    }

    [Fact]
    public void Translate_AzurePromptFilterChunk_StartsNothing()
    {
        var stream = "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}\n\n"u8.ToArray();

        var result = StreamFeed.Run(new OpenAIAnswerTranslator(0), stream, Arrival.Whole);

        Assert.Null(result.Error);
        Assert.Null(result.Sink.Started);
    }

    [Theory]
    [InlineData("data: {not json}\n\n", "not valid JSON")]
    [InlineData("data: 42\n\n", "not a JSON object")]
    [InlineData("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}}]}\n\n", "without an id or a name")]
    [InlineData("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":5000,\"id\":\"c\",\"function\":{\"name\":\"f\"}}]}}]}\n\n", "tool call index")]
    [InlineData("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":\"0\"}]}}]}\n\n", "tool call index of -1")]
    [InlineData("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":99999999999,\"id\":\"c\",\"function\":{\"name\":\"f\"}}]}}]}\n\n", "tool call index of -1")]
    [InlineData("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":2.5,\"id\":\"c\",\"function\":{\"name\":\"f\"}}]}}]}\n\n", "tool call index of -1")]
    [InlineData("data: {\"choices\":[{\"delta\":\"hello\"}]}\n\n", "message is not an object")]
    [InlineData("data: {\"choices\":[{\"delta\":{\"content\":42}}]}\n\n", "neither text nor parts")]
    public void Translate_MalformedChunk_IsAnInvalidResponseNotACrash(string stream, string reason)
    {
        var result = StreamFeed.Run(new OpenAIAnswerTranslator(0), Encoding.UTF8.GetBytes(stream), Arrival.Whole);

        Assert.Equal(ProviderErrorKind.InvalidResponse, result.Error?.Kind);
        Assert.Contains(reason, result.Error!.Message);
    }

    [Fact]
    public void TranslateBody_CompletionWithToolCalls_GivesCallsInOrder()
    {
        var sink = new RecordingSink();
        var error = new OpenAIAnswerTranslator(0).TranslateBody(Encoding.UTF8.GetBytes(OpenAIStreamScript.Completion("gpt-4o", "ignored", "get_weather")), sink);

        Assert.Null(error);
        var call = Assert.Single(sink.ToolCalls);
        Assert.Equal((0, "call_abc123", "get_weather", "{\"city\":\"Paris\"}"), (call.Index, call.Id, call.Name, call.Arguments.ToString()));
        Assert.Equal(FinishReason.ToolCalls, sink.Finished);
        Assert.Equal(new TokenUsage(19, 10, 3, 0, 4), sink.Usage);
        Assert.Equal(['S', 'C', 'A', 'F', 'U'], sink.Order);
    }

    [Fact]
    public void TranslateBody_TextCompletion_GivesText()
    {
        var sink = new RecordingSink();
        new OpenAIAnswerTranslator(0).TranslateBody(Encoding.UTF8.GetBytes(OpenAIStreamScript.Completion("gpt-4o", "Hi \"there\"", null)), sink);

        Assert.Equal("Hi \"there\"", sink.Text);
        Assert.Equal(OpenAIStreamScript.Id, sink.Started!.Value.Id);
    }
}
