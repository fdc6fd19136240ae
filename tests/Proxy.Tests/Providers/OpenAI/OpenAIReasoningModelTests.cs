using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using LlmProxy.Providers;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Tests.Inbound.Anthropic;

namespace LlmProxy.Tests.Providers.OpenAI;

/// <summary>Parameters follow the model family, not the host: a relay or Azure in front of a reasoning model included.</summary>
public sealed class OpenAIReasoningModelTests
{
    private const string ClaudeCodeBody = """
        {"model":"a","max_tokens":2048,"system":"Be terse.","temperature":0.7,"stop_sequences":["###"],
         "thinking":{"type":"enabled","budget_tokens":4096},"messages":[{"role":"user","content":"hi"}]}
        """;

    private static JsonElement Map(string model, bool hostTakesMaxCompletionTokens = false, bool? reasoningModel = null)
    {
        var output = new ArrayBufferWriter<byte>();
        OpenAIRequestMapper.Write(AnthropicRequestReaderTests.Read(ClaudeCodeBody),
            new ProviderTarget(model, new UpstreamTimeouts(1, 1, 1, 1), null, reasoningModel), output, NullLogger.Instance, new OpenAIHost(hostTakesMaxCompletionTokens));
        return JsonDocument.Parse(output.WrittenMemory).RootElement;
    }

    [Theory]
    [InlineData("gpt-5")]
    [InlineData("gpt-5-mini")]
    [InlineData("gpt-5.1")]
    [InlineData("o1")]
    [InlineData("o3-mini")]
    [InlineData("o4-mini-2025-04-16")]
    [InlineData("openai/gpt-5")]
    public void Write_ReasoningModelBehindAnyHost_UsesMaxCompletionTokensAndItsOwnParameters(string model)
    {
        var body = Map(model, hostTakesMaxCompletionTokens: false);

        Assert.Equal(2048, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.False(body.TryGetProperty("max_tokens", out _), "reasoning models reject max_tokens (400)");
        Assert.False(body.TryGetProperty("temperature", out _), "reasoning models accept only the default temperature");
        Assert.Equal("developer", body.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("medium", body.GetProperty("reasoning_effort").GetString());
    }

    [Theory]
    [InlineData("o3", false)]
    [InlineData("o4-mini", false)]
    [InlineData("gpt-5", false)]
    [InlineData("gpt-4o", true)]
    public void Write_StopSequences_AreDroppedForReasoningModels(string model, bool sent) =>
        Assert.Equal(sent, Map(model).TryGetProperty("stop", out _));

    [Fact]
    public void Write_ConfiguredReasoningDeployment_DropsStopToo() =>
        Assert.False(Map("my-prod-deployment", reasoningModel: true).TryGetProperty("stop", out _));

    [Theory]
    [InlineData("gpt-4o", false, "max_tokens")]
    [InlineData("gpt-4o", true, "max_completion_tokens")]
    [InlineData("o1x-custom", false, "max_tokens")]
    [InlineData("llama-3.1-70b", false, "max_tokens")]
    public void Write_OtherModels_KeepTheHostsField(string model, bool hostTakesMaxCompletionTokens, string field)
    {
        var body = Map(model, hostTakesMaxCompletionTokens);

        Assert.Equal(2048, body.GetProperty(field).GetInt32());
        Assert.Equal(0.7, body.GetProperty("temperature").GetDouble());
        Assert.Equal("system", body.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.False(body.TryGetProperty("reasoning_effort", out _), "reasoning_effort makes a model that does not reason answer 400");
    }

    [Fact]
    public void Write_AzureDeploymentNamedFreely_FollowsTheConfiguredReasoningModel()
    {
        var reasoning = Map("my-prod-deployment", reasoningModel: true);
        var plain = Map("gpt-5-but-not-really", reasoningModel: false);

        Assert.True(reasoning.TryGetProperty("max_completion_tokens", out _));
        Assert.True(plain.TryGetProperty("max_tokens", out _));
        Assert.True(plain.TryGetProperty("temperature", out _));
    }
}
