using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Providers.Gemini;
using LlmProxy.Testing;
using LlmProxy.Tests.Fixtures;

namespace LlmProxy.Tests.Providers.Gemini;

public sealed class GeminiAnswerTranslatorTests
{
    public static TheoryData<Arrival> Arrivals => Fixture.Arrivals;

    private static FeedResult Feed(string fixture, Arrival arrival) =>
        StreamFeed.Run(new GeminiAnswerTranslator(1700000000), Fixture.Read("gemini", fixture), arrival);

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_TextStream_GivesTextFinishAndUsage(Arrival arrival)
    {
        var result = Feed("text", arrival);

        Assert.Null(result.Error);
        Assert.True(result.Finished, "the finish reason is a Gemini stream's only end signal");
        var sink = result.Sink;
        Assert.Equal(("dHlpYXByb3h5LXRleHQ", "gemini-2.5-flash"), (sink.Started!.Value.Id, sink.Started.Value.Model));
        Assert.Equal("Café \"ouvert\" today. 🙂", sink.Text);
        Assert.Equal(FinishReason.Stop, sink.Finished);
        Assert.Equal(new TokenUsage(12, 7, 4), sink.Usage);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_ParallelFunctionCalls_GetMintedIdsCarryingTheThoughtSignature(Arrival arrival)
    {
        var result = Feed("parallel_tools", arrival);

        var calls = result.Sink.ToolCalls;
        Assert.Equal([(0, "get_weather"), (1, "get_time")], calls.Select(c => (c.Index, c.Name)));
        Assert.Equal("{\"location\": \"Paris, FR\",\"units\": [\"c\"]}", calls[0].Arguments.ToString());
        Assert.Equal("{\"tz\": \"CET\"}", calls[1].Arguments.ToString());
        Assert.Equal("CiQB0e2Kb+Xq/vFh3Y1n8sD0nJc4WqZr7mT1oYbU2k9aE3xL", GeminiToolCallIds.SignatureOf(calls[0].Id));
        Assert.Null(GeminiToolCallIds.SignatureOf(calls[1].Id));
        Assert.NotEqual(calls[0].Id, calls[1].Id);
        Assert.Equal(FinishReason.ToolCalls, result.Sink.Finished);
        // Thoughts are billed as output: 25 candidates + 45 thoughts.
        Assert.Equal(new TokenUsage(60, 70, 0, 0, 45), result.Sink.Usage);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_ThoughtParts_BecomeReasoning(Arrival arrival)
    {
        var result = Feed("thinking", arrival);

        Assert.Equal("**Comparing decimals** 9.11 vs 9.9", result.Sink.Reasoning);
        Assert.Equal("9.9 is larger.", result.Sink.Text);
        Assert.Equal(['S', 'R', 'T', 'F', 'U'], result.Sink.Order);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_MaxTokens_FinishesWithLength(Arrival arrival) =>
        Assert.Equal(FinishReason.Length, Feed("max_tokens", arrival).Sink.Finished);

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_SafetyBlock_FinishesWithContentFilter(Arrival arrival)
    {
        var result = Feed("safety", arrival);

        Assert.Equal("I can", result.Sink.Text);
        Assert.Equal(FinishReason.ContentFilter, result.Sink.Finished);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void Translate_StreamEndingWithoutFinishReason_IsNotFinished(Arrival arrival)
    {
        var result = Feed("truncated", arrival);

        Assert.Null(result.Error);
        Assert.False(result.Finished);
        Assert.Equal("Half an", result.Sink.Text);
    }

    [Fact]
    public void Translate_EmptyBody_StartsNothing()
    {
        var result = StreamFeed.Run(new GeminiAnswerTranslator(0), [], Arrival.Whole);

        Assert.Null(result.Sink.Started);
        Assert.False(result.Finished);
    }

    [Fact]
    public void TranslateBody_PromptBlockedWithoutCandidates_IsAContentFilterFinish()
    {
        var sink = new RecordingSink();

        var error = new GeminiAnswerTranslator(0).TranslateBody(
            """{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"modelVersion":"gemini-2.5-flash"}"""u8, sink);

        Assert.Null(error);
        Assert.Equal(FinishReason.ContentFilter, sink.Finished);
        Assert.Equal("", sink.Text);
    }

    [Theory]
    [InlineData("data: {not json}\r\n\r\n", "not valid JSON")]
    [InlineData("data: []\r\n\r\n", "not a JSON object")]
    [InlineData("data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"args\":{}}}]}}]}\r\n\r\n", "without a name")]
    [InlineData("data: {\"candidates\":[{\"finishReason\":7}]}\r\n\r\n", "finish reason that is not a string")]
    [InlineData("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":5}]}}]}\r\n\r\n", "text part that is not a string")]
    public void Translate_MalformedChunk_IsAnInvalidResponse(string stream, string reason)
    {
        var result = StreamFeed.Run(new GeminiAnswerTranslator(0), Encoding.UTF8.GetBytes(stream), Arrival.Whole);

        Assert.Equal(ProviderErrorKind.InvalidResponse, result.Error?.Kind);
        Assert.Contains(reason, result.Error!.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(301)]
    public void ToolCallIds_SignatureRoundTrip_IsLosslessAndIdSafe(int signatureBytes)
    {
        // Every padding length, and + and / in the alphabet (bytes 0xFB 0xFF encode to "+/").
        var bytes = new byte[signatureBytes];
        new Random(signatureBytes).NextBytes(bytes);
        bytes[0] = 0xFB;
        var signature = Convert.ToBase64String(bytes);

        var id = GeminiToolCallIds.Mint(signature);

        Assert.Matches("^call_[0-9a-f]{8}_[A-Za-z0-9_-]+$", id);
        Assert.Equal(signature, GeminiToolCallIds.SignatureOf(id));
    }

    [Theory]
    [InlineData("call_abc123")]
    [InlineData("toolu_01A09q90qw90lq917835lq9")]
    public void ToolCallIds_ForeignIds_CarryNoSignature(string id) => Assert.Null(GeminiToolCallIds.SignatureOf(id));
}
