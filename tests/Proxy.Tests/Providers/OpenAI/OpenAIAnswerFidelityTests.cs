using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Testing;

namespace LlmProxy.Tests.Providers.OpenAI;

/// <summary>What OpenAI-compatible servers send beside OpenAI's own shape, and what it must become.</summary>
public sealed class OpenAIAnswerFidelityTests
{
    private static RecordingSink Body(string json)
    {
        var sink = new RecordingSink();
        Assert.Null(new OpenAIAnswerTranslator(0).TranslateBody(Encoding.UTF8.GetBytes(json), sink));
        return sink;
    }

    [Fact]
    public void TranslateBody_VllmStopReason_IsAStopSequenceNamingIt()
    {
        var sink = Body("""{"id":"cmpl-1","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"1, 2"},"finish_reason":"stop","stop_reason":"###"}]}""");

        Assert.Equal((FinishReason.StopSequence, "###"), (sink.Finished, sink.StopSequence));
    }

    [Fact]
    public void TranslateBody_StopTokenIdAsStopReason_IsAPlainStop()
    {
        var sink = Body("""{"id":"cmpl-1","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"1, 2"},"finish_reason":"stop","stop_reason":128001}]}""");

        Assert.Equal((FinishReason.Stop, (string?)null), (sink.Finished, sink.StopSequence));
    }

    [Fact]
    public void TranslateBody_Refusal_IsTheTextAndAContentFilterStop()
    {
        var sink = Body("""{"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}""");

        Assert.Equal("I can't help with that.", sink.Text);
        Assert.Equal(FinishReason.ContentFilter, sink.Finished);
    }

    [Fact]
    public void TranslateFrames_StreamedRefusal_IsTheTextAndAContentFilterStop()
    {
        var stream = "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"No.\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

        var result = StreamFeed.Run(new OpenAIAnswerTranslator(0), Encoding.UTF8.GetBytes(stream), Arrival.Whole);

        Assert.Equal(("No.", FinishReason.ContentFilter), (result.Sink.Text, result.Sink.Finished));
    }

    [Theory]
    [InlineData("""{"id":"c","model":"m","usage":{"prompt_tokens":5,"completion_tokens":9}}""", "without a choice")]
    [InlineData("""{"id":"c","model":"m","choices":null}""", "without a choice")]
    [InlineData("""{"id":"c","model":"m","choices":{"index":0}}""", "without a choice")]
    [InlineData("""{"id":"c","model":"m","choices":[{"index":0,"message":"hi"}]}""", "message is not an object")]
    [InlineData("""{"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":4}}]}""", "neither text nor parts")]
    [InlineData("""{"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"a","arguments":"{}"}},{"type":"function","function":{"name":"b","arguments":"{}"}}]}}]}""", "tool call 1 without an id")]
    public void TranslateBody_NotACompletion_IsAnInvalidAnswerNotAnEmptyOne(string body, string reason)
    {
        var error = new OpenAIAnswerTranslator(0).TranslateBody(Encoding.UTF8.GetBytes(body), new RecordingSink());

        Assert.Equal(LlmProxy.Providers.ProviderErrorKind.InvalidResponse, error?.Kind);
        Assert.Contains(reason, error!.Message);
    }

    [Fact]
    public void TranslateBody_ContentAsParts_IsReadPartByPart()
    {
        // Mistral's reasoning models: thinking and text as parts of content.
        var sink = Body("""{"id":"c","model":"magistral","choices":[{"index":0,"message":{"role":"assistant","content":[{"type":"thinking","thinking":[{"type":"text","text":"2+2"}]},{"type":"text","text":"The answer is 4"}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14}}""");

        Assert.Equal(("The answer is 4", "2+2"), (sink.Text, sink.Reasoning));
        Assert.Equal(9, sink.Usage!.Value.OutputTokens);
    }

    [Fact]
    public void TranslateBody_ArgumentsAsAnObject_AreTakenAsTheirJsonText()
    {
        // Some compatible servers (older Ollama) send arguments as an object, not as JSON text.
        var sink = Body("""{"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":{"a":[1,2]}}}]},"finish_reason":"tool_calls"}]}""");

        Assert.Equal("""{"a":[1,2]}""", sink.ToolCalls[0].Arguments.ToString());
    }
}
