using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using LlmProxy.Providers;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Tests.Inbound.Anthropic;

namespace LlmProxy.Tests.Providers.OpenAI;

/// <summary>Anthropic client bodies, read by the Anthropic dialect, written for a Chat Completions provider.</summary>
public sealed class OpenAIRequestMapperTests
{
    private static JsonElement Map(string anthropicBody, bool maxCompletionTokens = false)
    {
        var request = AnthropicRequestReaderTests.Read(anthropicBody);
        var output = new ArrayBufferWriter<byte>();
        OpenAIRequestMapper.Write(request, new ProviderTarget("gpt-x", new UpstreamTimeouts(1, 1, 1, 1), null), output, NullLogger.Instance, new OpenAIHost(maxCompletionTokens));
        return JsonDocument.Parse(output.WrittenMemory).RootElement;
    }

    [Fact]
    public void Write_ToolConversation_PlacesToolMessagesRightAfterTheAssistantCall()
    {
        var body = Map("""
            {"model":"a","max_tokens":300,"system":"Be terse.","messages":[
              {"role":"user","content":"weather in Paris?"},
              {"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"},{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"w","input":{"city":"Paris"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"},{"type":"text","text":"so?"}]}]}
            """);

        var messages = body.GetProperty("messages").EnumerateArray().Select(m => m.GetRawText()).ToList();
        Assert.Equal([
            """{"role":"system","content":"Be terse."}""",
            """{"role":"user","content":"weather in Paris?"}""",
            """{"role":"assistant","content":"Checking.","tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"w","arguments":"{\"city\":\"Paris\"}"}}]}""",
            """{"role":"tool","tool_call_id":"toolu_1","content":"sunny"}""",
            """{"role":"user","content":"so?"}""",
        ], messages);
        Assert.Equal(300, body.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public void Write_ToolsChoiceAndParallel_MapToFunctions()
    {
        var body = Map("""
            {"model":"a","max_tokens":5,"messages":[{"role":"user","content":"x"}],
             "tools":[{"name":"get","description":"gets","input_schema":{"type":"object","properties":{}}}],
             "tool_choice":{"type":"tool","name":"get","disable_parallel_tool_use":true}}
            """);

        Assert.Equal("""[{"type":"function","function":{"name":"get","description":"gets","parameters":{"type":"object","properties":{}}}}]""", body.GetProperty("tools").GetRawText());
        Assert.Equal("""{"type":"function","function":{"name":"get"}}""", body.GetProperty("tool_choice").GetRawText());
        Assert.False(body.GetProperty("parallel_tool_calls").GetBoolean());
    }

    [Theory]
    [InlineData("auto", "\"auto\"")]
    [InlineData("any", "\"required\"")]
    [InlineData("none", "\"none\"")]
    public void Write_ToolChoiceType_MapsToOpenAIWord(string type, string expected)
    {
        var body = Map("""{"model":"a","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"g","input_schema":{"type":"object"}}],"tool_choice":{"type":""" + $"\"{type}\"}}}}");

        Assert.Equal(expected, body.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public void Write_ParametersAndImages_MapAndUnsupportedOnesAreDropped()
    {
        var body = Map("""
            {"model":"a","max_tokens":9,"temperature":0.1,"top_p":0.5,"top_k":5,"stop_sequences":["Z"],"metadata":{"user_id":"u"},"thinking":{"type":"enabled","budget_tokens":2000},"stream":true,
             "messages":[{"role":"user","content":[{"type":"text","text":"see"},{"type":"image","source":{"type":"base64","media_type":"image/gif","data":"R0lG"}}]}]}
            """, maxCompletionTokens: true);

        Assert.Equal(9, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.False(body.TryGetProperty("max_tokens", out _));
        Assert.Equal((0.1, 0.5), (body.GetProperty("temperature").GetDouble(), body.GetProperty("top_p").GetDouble()));
        Assert.Equal("""["Z"]""", body.GetProperty("stop").GetRawText());
        Assert.Equal("u", body.GetProperty("user").GetString());
        Assert.False(body.TryGetProperty("top_k", out _), "Chat Completions has no top_k");
        Assert.False(body.TryGetProperty("reasoning_effort", out _), "a thinking budget is not sent to models that may reject it");
        Assert.Equal("""{"include_usage":true}""", body.GetProperty("stream_options").GetRawText());
        Assert.Equal("""[{"type":"text","text":"see"},{"type":"image_url","image_url":{"url":"data:image/gif;base64,R0lG"}}]""",
            body.GetProperty("messages")[0].GetProperty("content").GetRawText());
    }
}
