using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using LlmProxy.Providers;
using LlmProxy.Providers.Gemini;
using LlmProxy.Tests.Inbound.Anthropic;
using LlmProxy.Tests.Inbound.OpenAIChat;

namespace LlmProxy.Tests.Providers.Gemini;

public sealed class GeminiRequestMapperTests
{
    private static JsonElement Map(LlmProxy.Canonical.ChatRequest request, int? maxTokensDefault = null)
    {
        var output = new ArrayBufferWriter<byte>();
        GeminiRequestMapper.Write(request, new ProviderTarget("gemini-x", new UpstreamTimeouts(1, 1, 1, 1), maxTokensDefault), output, NullLogger.Instance);
        return JsonDocument.Parse(output.WrittenMemory).RootElement;
    }

    [Fact]
    public void Write_OpenAIToolConversation_BecomesContentsWithFunctionCallAndNamedResponse()
    {
        var signed = GeminiToolCallIds.Mint("c2lnbmF0dXJl");
        var body = Map(OpenAIChatRequestReaderTests.Read($$$"""
            {"model":"m","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"{{{signed}}}","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"{{{signed}}}","content":"sunny"},
              {"role":"user","content":"Thanks"}]}
            """));

        Assert.Equal("""{"parts":[{"text":"Be brief."}]}""", body.GetProperty("systemInstruction").GetRawText());
        var contents = body.GetProperty("contents");
        Assert.Equal("""{"role":"user","parts":[{"text":"Weather in Paris?"}]}""", contents[0].GetRawText());
        Assert.Equal("""{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2lnbmF0dXJl"}]}""", contents[1].GetRawText());
        // The response is matched to its call by name; the user's next words join the same user turn.
        Assert.Equal("""{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"result":"sunny"}}},{"text":"Thanks"}]}""", contents[2].GetRawText());
        Assert.Equal(3, contents.GetArrayLength());
    }

    [Fact]
    public void Write_AnthropicImagesAndToolResults_MapToInlineDataAndObjectResponses()
    {
        var body = Map(AnthropicRequestReaderTests.Read("""
            {"model":"m","max_tokens":50,"messages":[
              {"role":"user","content":[{"type":"text","text":"see"},{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"zoom","input":{"x":2}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"{\"seen\":\"a cat\"}"},{"type":"tool_result","tool_use_id":"toolu_1","content":"boom","is_error":true}]}]}
            """));

        var contents = body.GetProperty("contents");
        Assert.Equal("""{"inlineData":{"mimeType":"image/jpeg","data":"/9j/4AAQ"}}""", contents[0].GetProperty("parts")[1].GetRawText());
        Assert.Equal("""{"functionCall":{"name":"zoom","args":{"x":2}}}""", contents[1].GetProperty("parts")[0].GetRawText());
        Assert.Equal("""{"functionResponse":{"name":"zoom","response":{"seen":"a cat"}}}""", contents[2].GetProperty("parts")[0].GetRawText());
        Assert.Equal("""{"functionResponse":{"name":"zoom","response":{"error":"boom"}}}""", contents[2].GetProperty("parts")[1].GetRawText());
        Assert.Equal(50, body.GetProperty("generationConfig").GetProperty("maxOutputTokens").GetInt32());
    }

    [Fact]
    public void Write_ToolSchemas_AreCutToGeminisSubset()
    {
        var body = Map(OpenAIChatRequestReaderTests.Read("""
            {"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"function","function":{"name":"find"}},"tools":[
              {"type":"function","function":{"name":"find","description":"finds","parameters":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,
                "properties":{"q":{"type":["string","null"],"default":"x","description":"query"},"tags":{"type":"array","items":{"type":"string","enum":["a","b"],"examples":["a"]}},
                              "near":{"$ref":"#/$defs/point"}},"required":["q"],"$defs":{"point":{"type":"object"}}}}},
              {"type":"function","function":{"name":"now","parameters":{"type":"object","properties":{}}}}]}
            """));

        var declarations = body.GetProperty("tools")[0].GetProperty("functionDeclarations");
        Assert.Equal("""{"type":"object","properties":{"q":{"type":"string","nullable":true,"description":"query"},"tags":{"type":"array","items":{"type":"string","enum":["a","b"]}},"near":{}},"required":["q"]}""",
            declarations[0].GetProperty("parameters").GetRawText());
        Assert.Equal("""{"name":"now"}""", declarations[1].GetRawText());
        Assert.Equal("""{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["find"]}}""", body.GetProperty("toolConfig").GetRawText());
    }

    [Fact]
    public void Write_GenerationParameters_GoToGenerationConfig()
    {
        var body = Map(OpenAIChatRequestReaderTests.Read("""
            {"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1.5,"top_p":0.9,"stop":["END"],"reasoning_effort":"high",
             "response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":false}}}}
            """), maxTokensDefault: 333);

        Assert.Equal("""{"maxOutputTokens":333,"temperature":1.5,"topP":0.9,"stopSequences":["END"],"responseMimeType":"application/json","responseSchema":{"type":"object","properties":{"a":{"type":"integer"}}},"thinkingConfig":{"thinkingBudget":24576,"includeThoughts":true}}""",
            body.GetProperty("generationConfig").GetRawText());
    }

    [Fact]
    public void WhyNot_ImageOrDocumentByUrl_SaysGeminiTakesThemInline()
    {
        Assert.Contains("inline", GeminiRequestMapper.WhyNot(new LlmProxy.Canonical.ImagePart(null, null, "https://x.test/a.png")));
        Assert.Contains("inline", GeminiRequestMapper.WhyNot(new LlmProxy.Canonical.DocumentPart("application/pdf", null, null, "https://x.test/a.pdf", null)));
        Assert.Null(GeminiRequestMapper.WhyNot(new LlmProxy.Canonical.ImagePart("image/png", "iVBOR", null)));
    }

    [Fact]
    public void Write_SchemaTypeListHoldingNonStrings_KeepsTheStringsOnly()
    {
        var body = Map(OpenAIChatRequestReaderTests.Read("""
            {"model":"m","messages":[{"role":"user","content":"x"}],
             "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":[{"x":1},"null","string"]}}}}}]}
            """));

        var a = body.GetProperty("tools")[0].GetProperty("functionDeclarations")[0].GetProperty("parameters").GetProperty("properties").GetProperty("a");
        Assert.Equal(("string", true), (a.GetProperty("type").GetString(), a.GetProperty("nullable").GetBoolean()));
    }
}
