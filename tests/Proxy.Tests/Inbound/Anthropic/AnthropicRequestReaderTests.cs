using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Inbound.Anthropic;

namespace LlmProxy.Tests.Inbound.Anthropic;

public sealed class AnthropicRequestReaderTests
{
    internal static ChatRequest Read(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.True(AnthropicEnvelopeReader.TryRead(bytes, out _, out var envelopeError), envelopeError?.Message);
        Assert.True(AnthropicRequestReader.TryRead(bytes, out var request, out var error), error?.Message);
        return request!;
    }

    [Fact]
    public void TryRead_BlocksOfEveryKind_BecomeCanonicalParts()
    {
        var request = Read("""
            {"model":"claude","max_tokens":100,"system":[{"type":"text","text":"Be terse.","cache_control":{"type":"ephemeral"}}],
             "messages":[
               {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}},{"type":"image","source":{"type":"url","url":"https://x.test/i.jpg"}}]},
               {"role":"assistant","content":[{"type":"thinking","thinking":"look","signature":"sig"},{"type":"redacted_thinking","data":"xyz"},{"type":"tool_use","id":"toolu_1","name":"zoom","input":{"x":2}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"a cat"}],"is_error":false},{"type":"text","text":"and now?"}]},
               {"role":"assistant","content":"It is a cat."}]}
            """);

        Assert.Equal("Be terse.", request.System);
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.User, ChatRole.Assistant], request.Messages.Select(m => m.Role));
        Assert.Equal([new TextPart("What is this?"), new ImagePart("image/png", "iVBOR", null) { Path = "messages[0].content[1]" },
            new ImagePart(null, null, "https://x.test/i.jpg") { Path = "messages[0].content[2]" }], request.Messages[0].Parts);
        Assert.Equal([new ReasoningPart("look", "sig"), new ToolCallPart("toolu_1", "zoom", """{"x":2}""")], request.Messages[1].Parts);
        var result = Assert.IsType<ToolResultPart>(request.Messages[2].Parts[0]);
        Assert.Equal(("toolu_1", "a cat", false, false), (result.ToolCallId, result.Text, result.IsError, result.HasMedia));
        Assert.Equal(new TextPart("and now?"), request.Messages[2].Parts[1]);
        Assert.Equal([new TextPart("It is a cat.")], request.Messages[3].Parts);
        Assert.Equal(["messages[1].content[1] (redacted_thinking)"], request.Ignored);
    }

    [Fact]
    public void TryRead_Parameters_MapToCanonical()
    {
        var request = Read("""
            {"model":"claude","max_tokens":64,"temperature":0.3,"top_p":0.9,"top_k":40,"stop_sequences":["###"],"metadata":{"user_id":"u-7"},
             "tools":[{"name":"get","description":"gets","input_schema":{"type":"object"}},{"type":"web_search_20250305","name":"web_search","max_uses":3}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},"thinking":{"type":"enabled","budget_tokens":2048},"stream":true,
             "service_tier":"auto","messages":[{"role":"user","content":"x"}]}
            """);

        Assert.Equal(64, request.MaxTokens);
        Assert.Equal((0.3, 0.9, 40), (request.Temperature, request.TopP, request.TopK));
        Assert.Equal(["###"], request.Stop);
        Assert.Equal("u-7", request.User);
        Assert.Equal([new ToolDefinition("get", "gets", """{"type":"object"}""")], request.Tools);
        Assert.Equal(new ToolChoice(ToolChoiceMode.Required), request.ToolChoice);
        Assert.False(request.ParallelToolCalls);
        Assert.Equal(new ReasoningRequest(null, 2048), request.Reasoning);
        Assert.True(request.Stream);
        Assert.Equal(["service_tier"], request.Ignored);
        Assert.Equal([new UnsupportedPart("server tool web_search_20250305") { Path = "tools[1]" }], request.UnsupportedTools);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}]}""", "max_tokens: Field required")]
    [InlineData("""{"model":"m","max_tokens":5}""", "messages: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]}""", "messages[0].role: Input should be 'user' or 'assistant'")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user"}]}""", "messages[0].content: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"text":"x"}]}]}""", "messages[0].content[0].type: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]}""", "base64 or url")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result"}]}]}""", "tool_use_id: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"tool_choice":{"type":"maybe"},"messages":[{"role":"user","content":"x"}]}""", "tool_choice.type")]
    [InlineData("""{"model":"m","max_tokens":5,"tools":[{"name":"t"}],"messages":[{"role":"user","content":"x"}]}""", "tools[0].input_schema: Field required")]
    [InlineData("""{"model":"m","max_tokens":"5","messages":[{"role":"user","content":"x"}]}""", "'max_tokens' must be a positive whole number")]
    // Found by a tester: each was a 200.
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":null}]}]}""", "messages[0].content[0].text: Field required")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":"str"}]}]}""", "'messages[0].content[0].input' must be an object")]
    [InlineData("""{"model":"m","max_tokens":5,"tools":[{"name":"","input_schema":{}}],"messages":[{"role":"user","content":"x"}]}""", "'tools[0].name' must not be empty")]
    public void TryRead_BadField_Is400NamingIt(string body, string reason)
    {
        Assert.False(AnthropicRequestReader.TryRead(Encoding.UTF8.GetBytes(body), out _, out var error));

        Assert.Equal(400, error!.Status);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void TryRead_CountTokensBody_NeedsNoMaxTokens()
    {
        Assert.True(AnthropicRequestReader.TryRead("""{"model":"m","messages":[{"role":"user","content":"x"}]}"""u8.ToArray(), out var request, out _, requireMaxTokens: false));

        Assert.Null(request!.MaxTokens);
    }

    [Theory]
    [InlineData("""{"messages":[]}""", "model parameter")]
    [InlineData("""{"model":7}""", "'model' must be a string")]
    [InlineData("""{"model":"a","stream":"yes"}""", "'stream' must be a boolean")]
    [InlineData("""{"model":"a",""", "not valid JSON")]
    [InlineData("""["model"]""", "must be a JSON object")]
    public void TryReadEnvelope_Malformed_Is400(string body, string reason)
    {
        Assert.False(AnthropicEnvelopeReader.TryRead(Encoding.UTF8.GetBytes(body), out _, out var error));

        Assert.Contains(reason, error!.Message);
    }

    [Fact]
    public void TryRead_DocumentOfContentBlocks_KeepsItsTextImagesTitleAndContext()
    {
        var request = Read("""
            {"model":"m","max_tokens":9,"messages":[{"role":"user","content":[{"type":"document","title":"Deck","context":"From the Q3 review",
              "source":{"type":"content","content":[{"type":"text","text":"Slide 1"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}}]}}]}]}
            """);

        Assert.Equal([new TextPart("From the Q3 review"), new TextPart("Deck"), new TextPart("Slide 1"),
            new ImagePart("image/png", "iVBOR", null) { Path = "messages[0].content[0].source.content[1]" }], request.Messages[0].Parts);
    }

    [Fact]
    public void TryRead_SystemInSeveralBlocks_KeepsTheirWordsApart()
    {
        var request = Read("""{"model":"m","max_tokens":9,"system":[{"type":"text","text":"You are terse."},{"type":"text","text":"Answer in French."}],"messages":[{"role":"user","content":"x"}]}""");

        Assert.Equal("You are terse.\nAnswer in French.", request.System);
    }
}
