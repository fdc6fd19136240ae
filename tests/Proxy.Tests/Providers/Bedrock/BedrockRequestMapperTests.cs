using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using LlmProxy.Providers;
using LlmProxy.Providers.Bedrock;
using LlmProxy.Tests.Inbound.Anthropic;
using LlmProxy.Tests.Inbound.OpenAIChat;

namespace LlmProxy.Tests.Providers.Bedrock;

public sealed class BedrockRequestMapperTests
{
    private static JsonElement Map(LlmProxy.Canonical.ChatRequest request, string model = "anthropic.claude-sonnet-4-5-20250929-v1:0") => Map(request, model, out _);

    private static JsonElement Map(LlmProxy.Canonical.ChatRequest request, string model, out string? jsonTool)
    {
        var output = new ArrayBufferWriter<byte>();
        BedrockRequestMapper.Write(request, new ProviderTarget(model, new UpstreamTimeouts(1, 1, 1, 1), null), output, NullLogger.Instance, out jsonTool);
        return JsonDocument.Parse(output.WrittenMemory).RootElement;
    }

    [Fact]
    public void Write_OpenAIConversation_BecomesConverseBlocks()
    {
        var body = Map(OpenAIChatRequestReaderTests.Read("""
            {"model":"m","max_tokens":100,"temperature":0.3,"stop":["END"],"messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]},
              {"role":"assistant","content":"Checking.","tool_calls":[{"id":"tooluse_1","type":"function","function":{"name":"zoom","arguments":"{\"x\":2}"}}]},
              {"role":"tool","tool_call_id":"tooluse_1","content":"{\"seen\":\"a cat\"}"},
              {"role":"user","content":"So?"}],
             "tools":[{"type":"function","function":{"name":"zoom","parameters":{"type":"object","properties":{"x":{"type":"integer"}}}}}],"tool_choice":"required"}
            """));

        Assert.Equal("""[{"text":"Be brief."}]""", body.GetProperty("system").GetRawText());
        var messages = body.GetProperty("messages");
        Assert.Equal("""{"role":"user","content":[{"text":"What is this?"},{"image":{"format":"jpeg","source":{"bytes":"/9j/4AAQ"}}}]}""", messages[0].GetRawText());
        Assert.Equal("""{"role":"assistant","content":[{"text":"Checking."},{"toolUse":{"toolUseId":"tooluse_1","name":"zoom","input":{"x":2}}}]}""", messages[1].GetRawText());
        Assert.Equal("""{"role":"user","content":[{"toolResult":{"toolUseId":"tooluse_1","content":[{"json":{"seen":"a cat"}}]}},{"text":"So?"}]}""", messages[2].GetRawText());
        Assert.Equal("""{"maxTokens":100,"temperature":0.3,"stopSequences":["END"]}""", body.GetProperty("inferenceConfig").GetRawText());
        Assert.Equal("""{"tools":[{"toolSpec":{"name":"zoom","inputSchema":{"json":{"type":"object","properties":{"x":{"type":"integer"}}}}}}],"toolChoice":{"any":{}}}""",
            body.GetProperty("toolConfig").GetRawText());
    }

    [Fact]
    public void Write_AnthropicThinkingForClaude_GoesToAdditionalModelRequestFields()
    {
        var body = Map(AnthropicRequestReaderTests.Read("""
            {"model":"m","max_tokens":1000,"temperature":0.5,"thinking":{"type":"enabled","budget_tokens":2048},
             "messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"},{"type":"text","text":"y"}]},{"role":"user","content":"z"}]}
            """));

        Assert.Equal("""{"thinking":{"type":"enabled","budget_tokens":2048}}""", body.GetProperty("additionalModelRequestFields").GetRawText());
        Assert.Equal("""{"maxTokens":3048}""", body.GetProperty("inferenceConfig").GetRawText());
        Assert.Equal("""{"reasoningContent":{"reasoningText":{"text":"t","signature":"s"}}}""", body.GetProperty("messages")[1].GetProperty("content")[0].GetRawText());
    }

    [Fact]
    public void Write_ThinkingForANonClaudeModel_IsDroppedNotSentToFail()
    {
        var body = Map(OpenAIChatRequestReaderTests.Read("""{"model":"m","reasoning_effort":"high","messages":[{"role":"user","content":"x"}]}"""), "amazon.nova-pro-v1:0");

        Assert.False(body.TryGetProperty("additionalModelRequestFields", out _));
    }

    [Fact]
    public void Write_JsonSchemaFormat_IsAForcedTool()
    {
        var body = Map(OpenAIChatRequestReaderTests.Read("""
            {"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object"}}}}
            """), "amazon.nova-pro-v1:0", out var jsonTool);

        Assert.Equal("answer", jsonTool);
        Assert.Equal("""{"tool":{"name":"answer"}}""", body.GetProperty("toolConfig").GetProperty("toolChoice").GetRawText());
    }

    [Fact]
    public void Write_TwoUntitledDocuments_GetNamesConverseTellsApart()
    {
        // Converse rejects two documents of one name, and a history replays every earlier turn's documents.
        var body = Map(AnthropicRequestReaderTests.Read("""
            {"model":"m","max_tokens":50,"messages":[{"role":"user","content":[
              {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"}},
              {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0y"}},
              {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0z"}, "title":"Q3 report.pdf"}]}]}
            """));

        var names = body.GetProperty("messages")[0].GetProperty("content").EnumerateArray().Select(b => b.GetProperty("document").GetProperty("name").GetString());
        Assert.Equal(["document", "document (2)", "Q3 report pdf"], names);
    }
}
