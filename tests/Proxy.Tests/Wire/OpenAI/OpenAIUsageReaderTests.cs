using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Tests.Wire.OpenAI;

public sealed class OpenAIUsageReaderTests
{
    [Fact]
    public void ReadDocument_FullUsage_ReadsEveryCount() =>
        Assert.Equal(new TokenUsage(100, 50, 40, 0, 20), OpenAIUsageReader.ReadDocument("""
            {"prompt_tokens":100,"completion_tokens":50,"total_tokens":150,
             "prompt_tokens_details":{"cached_tokens":40,"audio_tokens":0},
             "completion_tokens_details":{"reasoning_tokens":20,"audio_tokens":0,"accepted_prediction_tokens":0},
             "future":{"deep":[1,{"x":2}]}}
            """u8));

    [Fact]
    public void ReadDocument_DetailsNullOrMissing_AreZero() =>
        Assert.Equal(new TokenUsage(7, 3), OpenAIUsageReader.ReadDocument("""{"prompt_tokens":7,"completion_tokens":3,"prompt_tokens_details":null}"""u8));

    [Theory]
    [InlineData("[1]")]
    [InlineData("{\"prompt_tokens\":")]
    [InlineData("nope")]
    public void ReadDocument_NotAUsageObject_IsNull(string json) =>
        Assert.Null(OpenAIUsageReader.ReadDocument(System.Text.Encoding.UTF8.GetBytes(json)));
}
