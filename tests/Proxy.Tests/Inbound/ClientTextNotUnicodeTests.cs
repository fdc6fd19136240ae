using System.Text;
using LlmProxy.Inbound;
using LlmProxy.Inbound.Anthropic;
using LlmProxy.Inbound.OpenAIChat;

namespace LlmProxy.Tests.Inbound;

/// <summary>
/// A client's text that is not Unicode, and values of the wrong shape where a provider needs an object (found by the
/// fuzzer): a 400 naming the field, in both dialects, never an exception.
/// </summary>
public sealed class ClientTextNotUnicodeTests
{
    [Theory]
    [InlineData("""{"\ud800\u0041":1,"model":"m"}""", "field name that is not valid Unicode")]
    [InlineData("""{"model":"m\ud800"}""", "'model' is not valid Unicode text")]
    public void Envelopes_NamesAndModelThatAreNoText_Are400(string body, string reason)
    {
        var bytes = Encoding.UTF8.GetBytes(body);

        Assert.False(OpenAIChatEnvelopeReader.TryRead(bytes, out _, out var openAI));
        Assert.False(AnthropicEnvelopeReader.TryRead(bytes, out _, out var anthropic));

        foreach (var error in new[] { openAI!, anthropic! })
        {
            Assert.Equal(400, error.Status);
            Assert.Contains(reason, error.Message);
        }
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":"{}"}}]}""",
        "tools[0].function.parameters", "must be an object")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"properties":{"q":{"description":"\udc00"}}}}}]}""",
        "tools[0].function.parameters.properties.q.description", "not valid Unicode text")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"properties":{"q":{"enum":["ok \uD83D\uDE00","\uDBFF"]}}}}}]}""",
        "tools[0].function.parameters.properties.q.enum[1]", "not valid Unicode text")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"a","schema":[]}}}""",
        "response_format.json_schema.schema", "must be an object")]
    public void OpenAIReader_SchemaThatIsNoObjectOrNoText_Is400NamingIt(string body, string param, string reason)
    {
        Assert.False(OpenAIChatRequestReader.TryRead(Encoding.UTF8.GetBytes(body), out _, out var error));

        Assert.Equal((400, param), (error!.Status, error.Param));
        Assert.Contains(reason, error.Message);
    }

    [Theory]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"f","input_schema":"object"}]}""",
        "tools[0].input_schema", "must be an object")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"q":"\ud800"}}]}]}""",
        "messages[0].content[0].input.q", "not valid Unicode text")]
    public void AnthropicReader_SchemaOrInputThatIsNoObjectOrNoText_Is400NamingIt(string body, string param, string reason)
    {
        Assert.False(AnthropicRequestReader.TryRead(Encoding.UTF8.GetBytes(body), out _, out var error));

        Assert.Equal((400, param), (error!.Status, error.Param));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void AnthropicReader_NestedFieldNameThatIsNoText_Is400()
    {
        var body = """{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"\ud800\u0041":1}}]}]}"""u8;

        Assert.False(AnthropicRequestReader.TryRead(body.ToArray(), out _, out var error));

        Assert.Equal(400, error!.Status);
        Assert.Contains("field name that is not valid Unicode", error.Message);
    }

    [Fact]
    public void Readers_InlineDataWithInvalidUtf8_Is400NamingIt()
    {
        byte[] Broken(string json) => [.. Encoding.UTF8.GetBytes(json).Select(b => b == (byte)'~' ? (byte)0xFF : b)];

        Assert.False(AnthropicRequestReader.TryRead(Broken("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA~A"}}]}]}"""),
            out _, out var anthropic));
        Assert.False(OpenAIChatRequestReader.TryRead(Broken("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AA~A"}}]}]}"""),
            out _, out var openAI));

        Assert.Equal("messages[0].content[0].source.data", anthropic!.Param);
        Assert.Equal("messages[0].content[0].image_url.url", openAI!.Param);
        Assert.All(new[] { anthropic, openAI }, error => Assert.Contains("not valid Unicode text", error.Message));
    }
}
