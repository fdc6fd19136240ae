using System.Text;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Inbound;
using LlmProxy.Providers;

namespace LlmProxy.Tests.Inbound.OpenAIChat;

public sealed class OpenAIChatEnvelopeReaderTests
{
    private static readonly byte[] NewModel = "\"provider-model\""u8.ToArray();

    [Fact]
    public void Rewrite_NonStream_ChangesOnlyTheModelValue()
    {
        const string body = "{ \"x\": \"\\u00e9\\ud83d\\ude00\", \"model\" : \"alias\" ,\"tools\":[{\"a\":1.50e3}], \"future\": {\"model\": \"inner\"} }\n";

        var (envelope, upstream) = Read(body);

        Assert.Equal("alias", Encoding.UTF8.GetString(envelope.ModelUtf8.Span));
        Assert.False(envelope.Stream);
        Assert.Equal(body.Replace("\"alias\"", "\"provider-model\""), upstream);
    }

    [Fact]
    public void Read_EscapedModelName_IsUnescapedForRouting()
    {
        var (envelope, upstream) = Read("""{"model":"gpt\u002d4o\/mini"}""");

        Assert.Equal("gpt-4o/mini", Encoding.UTF8.GetString(envelope.ModelUtf8.Span));
        Assert.Equal("""{"model":"provider-model"}""", upstream);
    }

    [Theory]
    [InlineData("""{"model":"a","stream":true}""", """{"model":"provider-model","stream":true,"stream_options":{"include_usage":true}}""", false)]
    [InlineData("""{"model":"a","stream":true,"stream_options":null}""", """{"model":"provider-model","stream":true,"stream_options":{"include_usage":true}}""", false)]
    [InlineData("""{"model":"a","stream":true,"stream_options":{}}""", """{"model":"provider-model","stream":true,"stream_options":{"include_usage":true}}""", false)]
    [InlineData("""{"model":"a","stream":true,"stream_options":{"include_usage":false}}""", """{"model":"provider-model","stream":true,"stream_options":{"include_usage":true}}""", false)]
    [InlineData("""{"stream_options":{"include_obfuscation":false},"model":"a","stream":true}""", """{"stream_options":{"include_usage":true,"include_obfuscation":false},"model":"provider-model","stream":true}""", false)]
    [InlineData("""{"model":"a","stream":true,"stream_options":{"include_usage":true}}""", """{"model":"provider-model","stream":true,"stream_options":{"include_usage":true}}""", true)]
    [InlineData("""{"model":"a","stream":false,"stream_options":{"include_usage":false}}""", """{"model":"provider-model","stream":false,"stream_options":{"include_usage":false}}""", false)]
    public void Rewrite_Stream_ForcesUsageUpstreamAndRemembersWhatTheClientAsked(string body, string expected, bool clientWantsUsage)
    {
        var (envelope, upstream) = Read(body);

        Assert.Equal(expected, upstream);
        Assert.Equal(clientWantsUsage, envelope.ClientWantsUsage);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("{\"model\":\"a\"", "not valid JSON")]
    [InlineData("{\"model\":\"a\"}{}", "not valid JSON")]
    [InlineData("\"model\"", "must be a JSON object")]
    [InlineData("{\"messages\":[]}", "model parameter")]
    [InlineData("{\"model\":null}", "'model' must be a string")]
    [InlineData("{\"model\":\"a\",\"model\":\"b\"}", "'model' appears twice")]
    [InlineData("{\"model\":\"a\",\"stream\":1}", "'stream' must be a boolean")]
    [InlineData("{\"model\":\"a\",\"stream_options\":[]}", "'stream_options' must be an object")]
    [InlineData("{\"model\":\"a\",\"stream_options\":{\"include_usage\":\"yes\"}}", "include_usage' must be a boolean")]
    [InlineData("{\"model\":\"a\",\"x\":\"\u0001\"}", "not valid JSON")]
    public void Read_MalformedBody_Is400WithReason(string body, string reason)
    {
        Assert.False(OpenAIChatEnvelopeReader.TryRead(Encoding.UTF8.GetBytes(body), out _, out var error));

        Assert.Equal(400, error!.Status);
        Assert.Contains(reason, error.Message);
    }

    // Found in review: names compared as escaped bytes, and only the first 64 root members, let a repeat through to a
    // provider that reads the last copy (no usage chunk for the proxy; another model than the proxy routed).
    [Theory]
    [InlineData("""{"model":"a","\u006dodel":"b"}""", "'model' appears twice")]
    [InlineData("""{"model":"a","stream":true,"stream_options":{},"\u0073tream_options":null}""", "'stream_options' appears twice")]
    [InlineData("""{"model":"a","stream":true,"stream_options":{"include_usage":false,"include_\u0075sage":true}}""", "'stream_options.include_usage' appears twice")]
    public void Read_FieldRepeatedUnderAnEscapedName_Is400NamingIt(string body, string reason)
    {
        Assert.False(OpenAIChatEnvelopeReader.TryRead(Encoding.UTF8.GetBytes(body), out _, out var error));

        Assert.Contains(reason, error!.Message);
    }

    [Fact]
    public void AnthropicRead_ModelRepeatedUnderAnEscapedName_Is400()
    {
        Assert.False(LlmProxy.Inbound.Anthropic.AnthropicEnvelopeReader.TryRead("""{"model":"a","max_tokens":1,"\u006dodel":"b"}"""u8.ToArray(), out _, out var error));

        Assert.Contains("'model' appears twice", error!.Message);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void Read_FieldRepeatedAfterManyOthers_Is400(int others)
    {
        var filler = string.Concat(Enumerable.Range(0, others).Select(i => $"\"x_{i}_{new string('n', 20)}\":{i},"));
        var body = Encoding.UTF8.GetBytes($$"""{"model":"a",{{filler}}"stream":false,"stream":true}""");

        Assert.False(OpenAIChatEnvelopeReader.TryRead(body, out _, out var error));
        Assert.False(LlmProxy.Inbound.Anthropic.AnthropicEnvelopeReader.TryRead(body, out _, out var anthropic));

        Assert.Contains("'stream' appears twice", error!.Message);
        Assert.Contains("'stream' appears twice", anthropic!.Message);
        Assert.True(OpenAIChatEnvelopeReader.TryRead(Encoding.UTF8.GetBytes($$"""{"model":"a",{{filler}}"stream":false}"""), out _, out _));
    }

    [Fact]
    public void Read_InvalidUtf8InString_Is400()
    {
        byte[] body = [.. "{\"model\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        Assert.False(OpenAIChatEnvelopeReader.TryRead(body, out _, out var error));
        Assert.Equal(400, error!.Status);
    }

    [Fact]
    public void Read_DeeplyNestedBody_Is400NotACrash()
    {
        var body = "{\"model\":\"a\",\"x\":" + new string('[', 300) + new string(']', 300) + "}";

        Assert.False(OpenAIChatEnvelopeReader.TryRead(Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.Equal(400, error!.Status);
    }

    private static (RequestEnvelope Envelope, string Upstream) Read(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.True(OpenAIChatEnvelopeReader.TryRead(bytes, out var envelope, out var error), error?.Message);
        var content = new UpstreamJsonContent(bytes, new BodySplice(envelope.ModelTokenOffset, envelope.ModelTokenLength, NewModel), envelope.ExtraSplice);
        var upstream = content.ReadAsStringAsync().GetAwaiter().GetResult();
        Assert.Equal(Encoding.UTF8.GetByteCount(upstream), content.Headers.ContentLength);
        return (envelope, upstream);
    }
}
