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

    [Fact]
    public void TranslateBody_ArgumentsAsAnObject_AreTakenAsTheirJsonText()
    {
        // Some compatible servers (older Ollama) send arguments as an object, not as JSON text.
        var sink = Body("""{"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":{"a":[1,2]}}}]},"finish_reason":"tool_calls"}]}""");

        Assert.Equal("""{"a":[1,2]}""", sink.ToolCalls[0].Arguments.ToString());
    }
}
