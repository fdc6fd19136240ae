using System.Buffers;
using System.Text;
using LlmProxy.Inbound.Anthropic;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Providers.Bedrock;
using LlmProxy.Providers.Gemini;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Testing;
using LlmProxy.Wire.Anthropic;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Tests.Providers;

/// <summary>
/// A provider's text that is not Unicode (a lone surrogate escape, invalid UTF-8; found by the fuzzer) reaches the
/// client with U+FFFD in place of the broken part, or is judged by its structure; it never throws.
/// </summary>
public sealed class ProviderTextNotUnicodeTests
{
    [Fact]
    public void OpenAIStream_TextDeltaWithHalfAnEmoji_ReachesTheClientWithAReplacement()
    {
        var result = StreamFeed.Run(new OpenAIAnswerTranslator(0), Encoding.UTF8.GetBytes(
            "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi \\ud83d\"}}]}\n\n" +
            "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"), Arrival.Whole);

        Assert.Null(result.Error);
        Assert.Equal("hi \uFFFD", result.Sink.Text);
    }

    [Fact]
    public void OpenAIAnswer_ArgumentsObjectWithInvalidUtf8_AreValidUtf8()
    {
        var body = Broken("""{"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":{"city":"§"}}}]},"finish_reason":"tool_calls"}]}""");
        var sink = new RecordingSink();

        Assert.Null(new OpenAIAnswerTranslator(0).TranslateBody(body, sink));

        Assert.Equal("{\"city\":\"\uFFFD(\"}", Assert.Single(sink.ToolCalls).Arguments.ToString());
    }

    [Fact]
    public void AnthropicAnswer_ToolInputWithInvalidUtf8_IsValidUtf8()
    {
        var body = Broken("""{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{"q":"§"}}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}}""");
        var sink = new RecordingSink();

        Assert.Null(new AnthropicAnswerTranslator(null, 0).TranslateBody(body, sink));

        Assert.Equal("{\"q\":\"\uFFFD(\"}", Assert.Single(sink.ToolCalls).Arguments.ToString());
    }

    [Fact]
    public void GeminiAnswer_ArgsWithInvalidUtf8_AreValidUtf8()
    {
        var body = Broken("""{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"q":"§"}}}],"role":"model"},"finishReason":"STOP"}]}""");
        var sink = new RecordingSink();

        Assert.Null(new GeminiAnswerTranslator(0).TranslateBody(body, sink));

        Assert.Equal("{\"q\":\"\uFFFD(\"}", Assert.Single(sink.ToolCalls).Arguments.ToString());
    }

    [Fact]
    public void BedrockAnswer_TextWithLoneSurrogate_HasAReplacement()
    {
        var sink = new RecordingSink();

        Assert.Null(new BedrockAnswerTranslator("m", null, 0).TranslateBody(
            """{"output":{"message":{"content":[{"text":"a\udc00b"}],"role":"assistant"}},"stopReason":"end_turn","usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}}"""u8, sink));

        Assert.Equal("a\uFFFDb", sink.Text);
    }

    [Fact]
    public void BedrockAnswer_ToolUseWithoutAName_IsAnInvalidAnswer()
    {
        var error = new BedrockAnswerTranslator("m", null, 0).TranslateBody(
            """{"output":{"message":{"content":[{"toolUse":{"toolUseId":"t1","input":{}}}],"role":"assistant"}},"stopReason":"tool_use"}"""u8, new RecordingSink());

        Assert.Contains("without its name or toolUseId", error!.Message);
    }

    [Fact]
    public void BedrockStream_ExceptionWhoseMessageIsNotUtf8_IsTheProvidersErrorWithAReplacement()
    {
        var frames = AwsEventStreamWriter.Exception("throttlingException", Broken("slow §"));

        var result = StreamFeed.Run(new BedrockAnswerTranslator("m", null, 0), frames, Arrival.Whole);

        Assert.Equal("throttlingException: slow \uFFFD(", result.Error!.Message);
    }

    [Theory]
    [InlineData("""{"error":{"message":"busy \ud800","type":"server_error"}}""", "busy \uFFFD")]
    [InlineData("""{"error":"busy \udfff"}""", "busy \uFFFD")]
    public void OpenAIErrorBody_MessageWithLoneSurrogate_IsKeptWithAReplacement(string body, string message)
    {
        Assert.Equal(message, OpenAIErrorMapper.Map(503, Encoding.UTF8.GetBytes(body), null).Message);
    }

    [Theory]
    [InlineData("""{"\ud800\u0041":1,"prompt_tokens":3,"input_tokens":3}""")]
    [InlineData("""{"prompt_tokens":3,"input_tokens":3,"\ud800\u0041":1}""")]
    public void UsageDocuments_FieldNameThatIsNoText_IsNoException(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.Null(Record.Exception(() => OpenAIUsageReader.ReadDocument(bytes)));
        Assert.Null(Record.Exception(() => AnthropicUsage.ReadDocument(bytes)));
    }

    [Theory]
    [InlineData("data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"\\ud800\":\"x\"}}],\"usage\":{\"\\udc00\":1}}\n\ndata: [DONE]\n\n")]
    [InlineData("data: {\"error\":{\"message\":\"down \\ud800\"}}\n\n")]
    public void OpenAIRelay_EventWithLoneSurrogateNames_IsPassedOnAsSent(string stream)
    {
        var output = new ArrayBufferWriter<byte>();
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(stream));

        new OpenAIChatStreamFilter(clientWantsUsage: true).Process(ref buffer, output);

        Assert.Equal(stream, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void AnthropicRelay_UsageWithLoneSurrogateName_IsPassedOnAsSent()
    {
        const string stream = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"\\ud800\":1}}}\n\n";
        var output = new ArrayBufferWriter<byte>();
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(stream));

        new AnthropicStreamFilter().Process(ref buffer, output);

        Assert.Equal(stream, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    // JSON with invalid UTF-8 (C3 28: a lead byte without its continuation) where § stands.
    private static byte[] Broken(string json) => [.. Encoding.UTF8.GetBytes(json).SelectMany(b => b == 0xA7 ? [0x28] : b == 0xC2 ? new byte[] { 0xC3 } : [b])];
}
