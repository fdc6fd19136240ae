using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Testing;

namespace LlmProxy.Tests.Providers.Anthropic;

public sealed class AnthropicAnswerTranslatorBodyTests
{
    private static (RecordingSink Sink, ProviderError? Error) Translate(string body, string? jsonTool = null)
    {
        var sink = new RecordingSink();
        var error = new AnthropicAnswerTranslator(jsonTool, 1700000000).TranslateBody(Encoding.UTF8.GetBytes(body), sink);
        return (sink, error);
    }

    [Fact]
    public void TranslateBody_MessageWithThinkingTextAndTools_EmitsThemInOrderThenFinish()
    {
        // Members in an unusual order: usage and stop_reason before content.
        var (sink, error) = Translate("""
            {"usage":{"input_tokens":10,"cache_read_input_tokens":5,"cache_creation_input_tokens":null,"output_tokens":20},
             "stop_reason":"tool_use","id":"msg_01","type":"message","role":"assistant","model":"claude-opus-4-1",
             "content":[
               {"type":"thinking","thinking":"need weather","signature":"sig=="},
               {"type":"text","text":"Let me check."},
               {"type":"tool_use","id":"toolu_A","name":"get_weather","input":{"city":"Paris","units":["c"]}},
               {"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"x"}},
               {"type":"tool_use","id":"toolu_B","name":"get_time","input":{}}
             ],"stop_sequence":null}
            """);

        Assert.Null(error);
        Assert.Equal("msg_01", sink.Started!.Value.Id);
        Assert.Equal("need weather", sink.Reasoning);
        Assert.Equal("sig==", sink.Signature);
        Assert.Equal("Let me check.", sink.Text);
        Assert.Equal(["get_weather", "get_time"], sink.ToolCalls.Select(c => c.Name));
        Assert.Equal([0, 1], sink.ToolCalls.Select(c => c.Index));
        Assert.Equal("{\"city\":\"Paris\",\"units\":[\"c\"]}", sink.ToolCalls[0].Arguments.ToString());
        Assert.Equal("{}", sink.ToolCalls[1].Arguments.ToString());
        Assert.Equal(FinishReason.ToolCalls, sink.Finished);
        Assert.Equal(new TokenUsage(15, 20, 5, 0), sink.Usage);
        Assert.Equal(['S', 'R', 'G', 'T', 'C', 'A', 'C', 'A', 'F', 'U'], sink.Order);
    }

    [Fact]
    public void TranslateBody_ForcedJsonTool_IsTheAnswerText()
    {
        var (sink, _) = Translate("""
            {"id":"msg_02","type":"message","role":"assistant","model":"m","content":[{"type":"tool_use","id":"toolu_J","name":"person","input":{"name":"Ada"}}],
             "stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2}}
            """, jsonTool: "person");

        Assert.Equal("{\"name\":\"Ada\"}", sink.Text);
        Assert.Empty(sink.ToolCalls);
        Assert.Equal(FinishReason.Stop, sink.Finished);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"id\":")]
    [InlineData("[]")]
    [InlineData("{\"content\":[{\"type\":\"tool_use\",\"input\":{}}]}")]
    public void TranslateBody_Malformed_IsAnInvalidResponse(string body)
    {
        var (_, error) = Translate(body);

        Assert.Equal(ProviderErrorKind.InvalidResponse, error?.Kind);
    }
}
