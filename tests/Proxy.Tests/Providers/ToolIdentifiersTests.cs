using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Testing;
using LlmProxy.Tests.Inbound.OpenAIChat;
using LlmProxy.Wire.Anthropic;

namespace LlmProxy.Tests.Providers;

public sealed class ToolIdentifiersTests
{
    private static readonly ChatRequest ForeignHistory = OpenAIChatRequestReaderTests.Read("""
        {"model":"m","tools":[{"type":"function","function":{"name":"fs.list","parameters":{"type":"object"}}}],
         "tool_choice":{"type":"function","function":{"name":"fs.list"}},
         "messages":[{"role":"user","content":"ls"},
          {"role":"assistant","content":null,"tool_calls":[{"id":"functions.Bash:0","type":"function","function":{"name":"fs.list","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"functions.Bash:0","content":"a.txt"}]}
        """);

    [Fact]
    public void Conform_ForeignIdsAndDottedNames_AreRewrittenConsistentlyForAnthropic()
    {
        IStreamEventSink sink = new RecordingSink();

        var conformed = ToolIdentifiers.Conform(ForeignHistory, AnthropicIdentifiers.ToolUseIds, AnthropicIdentifiers.ToolNames, ref sink);

        var call = Assert.IsType<ToolCallPart>(conformed.Messages[1].Parts[0]);
        var result = Assert.IsType<ToolResultPart>(conformed.Messages[2].Parts[0]);
        Assert.Equal(call.Id, result.ToolCallId);
        Assert.True(AnthropicIdentifiers.ToolUseIds.Accepts(call.Id));
        Assert.Equal(conformed.Tools![0].Name, call.Name);
        Assert.Equal(conformed.Tools[0].Name, conformed.ToolChoice!.Name);
        Assert.Matches("^fs_list_[0-9a-f]{8}$", call.Name);
    }

    [Fact]
    public void Conform_NameChanged_AnswerGivesTheClientItsOwnNameBack()
    {
        var recording = new RecordingSink();
        IStreamEventSink sink = recording;
        var conformed = ToolIdentifiers.Conform(ForeignHistory, null, AnthropicIdentifiers.ToolNames, ref sink);

        sink.ToolCallStart(0, "toolu_1", conformed.Tools![0].Name);

        Assert.Equal("fs.list", recording.ToolCalls[0].Name);
    }

    [Fact]
    public void Conform_GeminiIdCarryingASignature_FitsOpenAIsFortyCharacters()
    {
        var gemini = "call_1a2b3c4d_" + new string('S', 300);
        var request = OpenAIChatRequestReaderTests.Read($$$"""
            {"model":"m","messages":[{"role":"user","content":"ls"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"{{{gemini}}}","type":"function","function":{"name":"ls","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"{{{gemini}}}","content":"a.txt"}]}
            """);
        IStreamEventSink sink = new RecordingSink();
        var rules = LlmProxy.Providers.OpenAI.OpenAICanonicalChat.Rules;

        var conformed = ToolIdentifiers.Conform(request, rules.ToolCallIds, rules.ToolNames, ref sink);

        var id = Assert.IsType<ToolCallPart>(conformed.Messages[1].Parts[0]).Id;
        Assert.Equal(40, id.Length);
        Assert.Equal(id, Assert.IsType<ToolResultPart>(conformed.Messages[2].Parts[0]).ToolCallId);
    }

    [Fact]
    public void Conform_EverythingAccepted_ReturnsTheSameRequestAndSink()
    {
        var request = OpenAIChatRequestReaderTests.Read("""{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}""");
        var recording = new RecordingSink();
        IStreamEventSink sink = recording;

        Assert.Same(request, ToolIdentifiers.Conform(request, AnthropicIdentifiers.ToolUseIds, AnthropicIdentifiers.ToolNames, ref sink));
        Assert.Same(recording, sink);
    }
}
