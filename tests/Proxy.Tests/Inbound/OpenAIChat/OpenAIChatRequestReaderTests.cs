using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Inbound.OpenAIChat;

namespace LlmProxy.Tests.Inbound.OpenAIChat;

public sealed class OpenAIChatRequestReaderTests
{
    [Fact]
    public void TryRead_EveryMessageForm_BecomesCanonicalTurnsAndParts()
    {
        var request = Read("""
            {"model":"m","max_completion_tokens":5,"messages":[
              {"role":"system","content":"be brief"},
              {"role":"developer","content":[{"type":"text","text":"in French"}]},
              {"role":"user","content":[{"type":"text","text":"look "},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AAAA"}},{"type":"image_url","image_url":{"url":"https://x.test/cat.png","detail":"low"}}]},
              {"role":"assistant","content":null,"reasoning_content":"hmm","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},
              {"role":"tool","tool_call_id":"c1","content":"42"}]}
            """);

        Assert.Equal("be brief\n\nin French", request.System);
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.Tool], request.Messages.Select(m => m.Role));
        Assert.Equal([new TextPart("look "), new ImagePart("image/jpeg", "AAAA", null) { Path = "messages[2].content[1]" },
            new ImagePart(null, null, "https://x.test/cat.png") { Path = "messages[2].content[2]" }], request.Messages[0].Parts);
        Assert.Equal([new ReasoningPart("hmm", null), new ToolCallPart("c1", "f", "{\"a\":1}")], request.Messages[1].Parts);
        var result = Assert.IsType<ToolResultPart>(Assert.Single(request.Messages[2].Parts));
        Assert.Equal(("c1", "42", false), (result.ToolCallId, result.Text, result.IsError));
        Assert.Equal(5, request.MaxTokens);
    }

    [Fact]
    public void TryRead_Parameters_AreReadAndUnknownOnesListedAsIgnored()
    {
        var request = Read("""
            {"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":7,"temperature":0.5,"top_p":0.9,"stop":"END","user":"u-1",
             "tools":[{"type":"function","function":{"name":"get","description":"gets","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}],
             "tool_choice":{"type":"function","function":{"name":"get"}},"parallel_tool_calls":false,
             "response_format":{"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"},"strict":true}},
             "reasoning_effort":"high","stream":true,"stream_options":{"include_usage":true},"seed":3,"logprobs":true,"n":null}
            """);

        Assert.Equal(7, request.MaxTokens);
        Assert.Equal(0.5, request.Temperature);
        Assert.Equal(0.9, request.TopP);
        Assert.Equal(["END"], request.Stop);
        Assert.Equal("u-1", request.User);
        var tool = Assert.Single(request.Tools!);
        Assert.Equal(("get", "gets"), (tool.Name, tool.Description));
        Assert.Equal("""{"type":"object","properties":{"q":{"type":"string"}}}""", tool.ParametersJson);
        Assert.Equal(new ToolChoice(ToolChoiceMode.Named, "get"), request.ToolChoice);
        Assert.False(request.ParallelToolCalls);
        Assert.Equal(new ResponseFormat(ResponseFormatKind.JsonSchema, "out", """{"type":"object"}"""), request.ResponseFormat);
        Assert.Equal(new ReasoningRequest("high", null), request.Reasoning);
        Assert.True(request.Stream);
        Assert.Equal(["seed", "logprobs"], request.Ignored);
    }

    [Theory]
    [InlineData("none", nameof(ToolChoiceMode.None))]
    [InlineData("auto", nameof(ToolChoiceMode.Auto))]
    [InlineData("required", nameof(ToolChoiceMode.Required))]
    public void TryRead_ToolChoiceWords_MapToModes(string choice, string mode)
    {
        var request = Read($$"""{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"{{choice}}"}""");

        Assert.Equal(new ToolChoice(Enum.Parse<ToolChoiceMode>(mode)), request.ToolChoice);
    }

    [Theory]
    [InlineData("""{"model":"m"}""", "'messages' must be a non-empty array")]
    [InlineData("""{"model":"m","messages":[]}""", "'messages' must be a non-empty array")]
    [InlineData("""{"model":"m","messages":{}}""", "'messages' must be a non-empty array")]
    [InlineData("""{"model":"m","messages":["hi"]}""", "'messages[0]' must be an object")]
    [InlineData("""{"model":"m","messages":[{"role":"wizard","content":"x"}]}""", "'messages[0].role' must be one of")]
    [InlineData("""{"model":"m","messages":[{"content":"x"}]}""", "'messages[0].role' is required")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":42}]}""", "'messages[0].content' must be a string or an array of content parts")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":["x"]}]}""", "'messages[0].content[0]' must be an object")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"video"}]}]}""", "must be text, image_url, input_audio or file")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio"}]}]}""", "'messages[0].content[0].input_audio' must be an object")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,AAAA"}}]}]}""", "base64 data URL")]
    [InlineData("""{"model":"m","messages":[{"role":"tool","content":"x"}]}""", "'messages[0].tool_call_id' is required")]
    [InlineData("""{"model":"m","messages":[{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f"}}]}]}""", "'messages[0].tool_calls[0].id' is required")]
    [InlineData("""{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]}""", "'max_tokens' must be a positive whole number")]
    [InlineData("""{"model":"m","max_tokens":1.5,"messages":[{"role":"user","content":"x"}]}""", "'max_tokens' must be a positive whole number")]
    [InlineData("""{"model":"m","temperature":"hot","messages":[{"role":"user","content":"x"}]}""", "'temperature' must be a number")]
    [InlineData("""{"model":"m","tool_choice":"sometimes","messages":[{"role":"user","content":"x"}]}""", "'tool_choice' must be none, auto")]
    [InlineData("""{"model":"m","tools":[{"type":"function","function":{}}],"messages":[{"role":"user","content":"x"}]}""", "'tools[0].function.name' is required")]
    [InlineData("""{"model":"m","response_format":{"type":"yaml"},"messages":[{"role":"user","content":"x"}]}""", "'response_format.type' must be")]
    [InlineData("""{"model":"m","stop":[1],"messages":[{"role":"user","content":"x"}]}""", "'stop' must hold strings")]
    // Found by a tester: each was a 200.
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"javascript:alert(1)"}}]}]}""", "must be an https URL or a base64 data URL")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":""}}]}]}""", "must be an https URL or a base64 data URL")]
    [InlineData("""{"model":"m","tools":[{"type":"function","function":{"name":""}}],"messages":[{"role":"user","content":"x"}]}""", "'tools[0].function.name' must not be empty")]
    public void TryRead_BadField_Is400NamingIt(string body, string reason)
    {
        Assert.True(OpenAIChatEnvelopeReader.TryRead(Encoding.UTF8.GetBytes(body), out _, out _), "the envelope is valid; the rest is not");

        Assert.False(OpenAIChatRequestReader.TryRead(Encoding.UTF8.GetBytes(body), out _, out var error));

        Assert.Equal(400, error!.Status);
        Assert.Contains(reason, error.Message);
    }

    // Found in review: RFC 2397 makes the scheme and ";base64" case-insensitive; "DATA:" was taken for an image URL.
    [Theory]
    [InlineData("DATA:image/png;BASE64,AAAA")]
    [InlineData("Data:image/png;Base64,AAAA")]
    public void TryRead_DataUrlInAnyCase_IsInlineData(string url)
    {
        var request = Read("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":""" + $"\"{url}\"" + "}}]}]}");

        var image = Assert.IsType<ImagePart>(Assert.Single(request.Messages[0].Parts));
        Assert.Equal(("image/png", "AAAA", null), (image.MediaType, image.Data?.ToString(), image.Url));
    }

    internal static ChatRequest Read(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.True(OpenAIChatEnvelopeReader.TryRead(bytes, out _, out var envelopeError), envelopeError?.Message);
        Assert.True(OpenAIChatRequestReader.TryRead(bytes, out var request, out var error), error?.Message);
        return request!;
    }

    [Fact]
    public void TryRead_AssistantRefusal_StaysWhatTheAssistantSaid()
    {
        var request = Read("""
            {"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"refusal","refusal":"I can't help with that."}]},
              {"role":"user","content":"b"},{"role":"assistant","content":null,"refusal":"Still no."},{"role":"user","content":"c"}]}
            """);

        Assert.Equal(5, request.Messages.Count);
        Assert.Equal([new TextPart("I can't help with that.")], request.Messages[1].Parts);
        Assert.Equal([new TextPart("Still no.")], request.Messages[3].Parts);
    }
}
