using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using LlmProxy.Providers;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Tests.Inbound.OpenAIChat;

namespace LlmProxy.Tests.Providers.Anthropic;

/// <summary>OpenAI client bodies, read by the OpenAI dialect, written for Claude.</summary>
public sealed class AnthropicRequestMapperTests
{
    private static readonly UpstreamTimeouts Timeouts = new(1000, 1000, 1000, 1000);

    private static JsonElement Map(string openAIBody, int? maxTokensDefault = null) => Map(openAIBody, maxTokensDefault, out _);

    private static JsonElement Map(string openAIBody, int? maxTokensDefault, out string? jsonTool)
    {
        var request = OpenAIChatRequestReaderTests.Read(openAIBody);
        var output = new ArrayBufferWriter<byte>();
        AnthropicRequestMapper.Write(request, new ProviderTarget("claude-x", Timeouts, maxTokensDefault), output, NullLogger.Instance, out jsonTool);
        return JsonDocument.Parse(output.WrittenMemory).RootElement;
    }

    [Fact]
    public void Write_SystemAndDeveloper_BecomeTopLevelSystem()
    {
        var body = Map("""{"model":"a","messages":[{"role":"system","content":"S1"},{"role":"user","content":"hi"},{"role":"developer","content":"S2"}]}""");

        Assert.Equal("S1\n\nS2", body.GetProperty("system").GetString());
        Assert.Equal("claude-x", body.GetProperty("model").GetString());
        Assert.Equal(1, body.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public void Write_ConsecutiveSameRoleTurns_MergeIntoOneMessage()
    {
        var body = Map("""{"model":"a","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"assistant","content":"c"},{"role":"assistant","content":""},{"role":"user","content":"d"}]}""");

        var messages = body.GetProperty("messages");
        Assert.Equal(["user", "assistant", "user"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(["a", "b"], messages[0].GetProperty("content").EnumerateArray().Select(b => b.GetProperty("text").GetString()));
        Assert.Equal(1, messages[1].GetProperty("content").GetArrayLength()); // the empty text block is not sent: the API rejects it.
    }

    [Theory]
    [InlineData("\"max_tokens\":50,", null, 50)]
    [InlineData("\"max_completion_tokens\":60,", null, 60)]
    [InlineData("", 900, 900)]
    [InlineData("", null, AnthropicRequestMapper.FallbackMaxTokens)]
    public void Write_MaxTokens_IsAlwaysSent(string field, int? deploymentDefault, int expected)
    {
        var body = Map($$"""{"model":"a",{{field}}"messages":[{"role":"user","content":"x"}]}""", deploymentDefault);

        Assert.Equal(expected, body.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public void Write_SamplingStopAndUser_MapToAnthropicNames()
    {
        var body = Map("""{"model":"a","messages":[{"role":"user","content":"x"}],"temperature":1.7,"top_p":0.8,"stop":["X","Y"],"user":"u-9","seed":1,"n":2}""");

        Assert.Equal(1.0, body.GetProperty("temperature").GetDouble()); // OpenAI's 0-2 range is capped at Anthropic's 1.
        Assert.Equal(0.8, body.GetProperty("top_p").GetDouble());
        Assert.Equal(["X", "Y"], body.GetProperty("stop_sequences").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("u-9", body.GetProperty("metadata").GetProperty("user_id").GetString());
        Assert.False(body.TryGetProperty("seed", out _), "parameters Claude does not take are never sent to fail upstream");
        Assert.False(body.TryGetProperty("n", out _));
    }

    [Theory]
    [InlineData("\"auto\"", """{"type":"auto"}""")]
    [InlineData("\"none\"", """{"type":"none"}""")]
    [InlineData("\"required\"", """{"type":"any"}""")]
    [InlineData("""{"type":"function","function":{"name":"get"}}""", """{"type":"tool","name":"get"}""")]
    public void Write_ToolChoice_MapsEachMode(string choice, string expected)
    {
        var body = Map("""{"model":"a","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"get","parameters":{"type":"object"}}}],"tool_choice":""" + choice + "}");

        Assert.Equal(expected, body.GetProperty("tool_choice").GetRawText());
        var tool = body.GetProperty("tools")[0];
        Assert.Equal("get", tool.GetProperty("name").GetString());
        Assert.Equal("""{"type":"object"}""", tool.GetProperty("input_schema").GetRawText());
    }

    [Fact]
    public void Write_ParallelToolCallsFalse_DisablesParallelToolUse()
    {
        var body = Map("""{"model":"a","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"get"}}],"parallel_tool_calls":false}""");

        Assert.Equal("""{"type":"auto","disable_parallel_tool_use":true}""", body.GetProperty("tool_choice").GetRawText());
        Assert.Equal("""{"type":"object","properties":{}}""", body.GetProperty("tools")[0].GetProperty("input_schema").GetRawText());
    }

    [Fact]
    public void Write_ToolCallsAndResults_BecomeToolUseAndToolResultInAUserTurn()
    {
        var body = Map("""
            {"model":"a","messages":[
              {"role":"user","content":"weather?"},
              {"role":"assistant","content":"Checking.","tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{\"city\":\"Paris\"}"}},{"id":"c2","type":"function","function":{"name":"w","arguments":""}}]},
              {"role":"tool","tool_call_id":"c1","content":"sunny"},
              {"role":"tool","tool_call_id":"c2","content":[{"type":"text","text":"rain"}]},
              {"role":"user","content":"thanks"}]}
            """);

        var messages = body.GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        var assistant = messages[1].GetProperty("content");
        Assert.Equal("""{"type":"text","text":"Checking."}""", assistant[0].GetRawText());
        Assert.Equal("""{"type":"tool_use","id":"c1","name":"w","input":{"city":"Paris"}}""", assistant[1].GetRawText());
        Assert.Equal("""{"type":"tool_use","id":"c2","name":"w","input":{}}""", assistant[2].GetRawText());
        var results = messages[2];
        Assert.Equal("user", results.GetProperty("role").GetString());
        Assert.Equal("""{"type":"tool_result","tool_use_id":"c1","content":"sunny"}""", results.GetProperty("content")[0].GetRawText());
        Assert.Equal("""{"type":"tool_result","tool_use_id":"c2","content":"rain"}""", results.GetProperty("content")[1].GetRawText());
        // Tool results first, then the user's text, in the same turn.
        Assert.Equal("""{"type":"text","text":"thanks"}""", results.GetProperty("content")[2].GetRawText());
    }

    [Fact]
    public void Write_ImageParts_BecomeBase64AndUrlSources()
    {
        var body = Map("""{"model":"a","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/webp;base64,UklGR"}},{"type":"image_url","image_url":{"url":"https://x.test/a.png"}}]}]}""");

        var content = body.GetProperty("messages")[0].GetProperty("content");
        Assert.Equal("""{"type":"image","source":{"type":"base64","media_type":"image/webp","data":"UklGR"}}""", content[0].GetRawText());
        Assert.Equal("""{"type":"image","source":{"type":"url","url":"https://x.test/a.png"}}""", content[1].GetRawText());
    }

    [Fact]
    public void Write_JsonSchemaResponseFormat_BecomesAForcedTool()
    {
        var body = Map("""{"model":"a","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"person","schema":{"type":"object","properties":{"name":{"type":"string"}}}}}}""",
            null, out var jsonTool);

        Assert.Equal("person", jsonTool);
        var tool = Assert.Single(body.GetProperty("tools").EnumerateArray());
        Assert.Equal("person", tool.GetProperty("name").GetString());
        Assert.Equal("""{"type":"object","properties":{"name":{"type":"string"}}}""", tool.GetProperty("input_schema").GetRawText());
        Assert.Equal("""{"type":"tool","name":"person"}""", body.GetProperty("tool_choice").GetRawText());
    }

    [Theory]
    [InlineData("low", 1024)]
    [InlineData("medium", 4096)]
    [InlineData("high", 16384)]
    public void Write_ReasoningEffort_BecomesAThinkingBudgetBelowMaxTokens(string effort, int budget)
    {
        var body = Map($$"""{"model":"a","messages":[{"role":"user","content":"x"}],"max_tokens":1000,"temperature":0.2,"reasoning_effort":"{{effort}}"}""");

        Assert.Equal($$"""{"type":"enabled","budget_tokens":{{budget}}}""", body.GetProperty("thinking").GetRawText());
        Assert.True(body.GetProperty("max_tokens").GetInt32() > budget, "the API requires budget_tokens < max_tokens");
        Assert.False(body.TryGetProperty("temperature", out _), "the API rejects a custom temperature with thinking");
    }

    [Fact]
    public void Write_ReasoningEffortMinimal_SendsNoThinking()
    {
        var body = Map("""{"model":"a","messages":[{"role":"user","content":"x"}],"reasoning_effort":"minimal"}""");

        Assert.False(body.TryGetProperty("thinking", out _));
    }

    [Fact]
    public void Write_StreamRequest_SetsStream()
    {
        var body = Map("""{"model":"a","messages":[{"role":"user","content":"x"}],"stream":true}""");

        Assert.True(body.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public void Write_ToolResultWithAnImage_KeepsTheImageInTheToolResult()
    {
        var request = new LlmProxy.Canonical.ChatRequest
        {
            Messages =
            [
                new(LlmProxy.Canonical.ChatRole.User, [new LlmProxy.Canonical.TextPart("read a.png")]),
                new(LlmProxy.Canonical.ChatRole.Assistant, [new LlmProxy.Canonical.ToolCallPart("toolu_1", "read_image", "{}")]),
                new(LlmProxy.Canonical.ChatRole.User, [new LlmProxy.Canonical.ToolResultPart("toolu_1",
                    [new LlmProxy.Canonical.ImagePart("image/png", "iVBOR", null), new LlmProxy.Canonical.TextPart("Read image file")], false)]),
            ],
        };
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        AnthropicRequestMapper.Write(request, new ProviderTarget("claude-x", Timeouts, null), output, NullLogger.Instance, out _);

        var result = JsonDocument.Parse(output.WrittenMemory).RootElement.GetProperty("messages")[2].GetProperty("content")[0];
        Assert.Equal("""[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}},{"type":"text","text":"Read image file"}]""",
            result.GetProperty("content").GetRawText());
    }
}
