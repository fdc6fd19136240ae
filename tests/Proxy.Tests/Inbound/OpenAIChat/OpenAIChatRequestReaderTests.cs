using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Inbound.OpenAIChat;

namespace LlmProxy.Tests.Inbound.OpenAIChat;

public sealed class OpenAIChatRequestReaderTests
{
    [Fact]
    public void TryRead_RolesAndContentForms_BecomeCanonicalMessages()
    {
        var request = Read("""
            {"model":"m","max_completion_tokens":5,"messages":[
              {"role":"developer","content":"be brief"},
              {"role":"user","content":[{"type":"text","text":"look "},{"type":"image_url","image_url":{"url":"data:,"}},{"type":"text","text":"here"}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"c","content":"42"}]}
            """);

        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool], request.Messages.Select(m => m.Role));
        Assert.Equal(["be brief", "look here", "", "42"], request.Messages.Select(m => m.Text));
        Assert.Equal(5, request.MaxTokens);
    }

    [Theory]
    [InlineData("""{"model":"m"}""", "'messages' must be a non-empty array")]
    [InlineData("""{"model":"m","messages":[]}""", "'messages' must be a non-empty array")]
    [InlineData("""{"model":"m","messages":{}}""", "'messages' must be an array")]
    [InlineData("""{"model":"m","messages":["hi"]}""", "'messages[0]' must be an object")]
    [InlineData("""{"model":"m","messages":[{"role":"wizard","content":"x"}]}""", "'messages[0].role' must be one of")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":42}]}""", "'messages[0].content' must be a string or an array")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":["x"]}]}""", "'messages[0].content' parts must be objects")]
    [InlineData("""{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]}""", "'max_tokens' must be a positive whole number")]
    [InlineData("""{"model":"m","max_tokens":1.5,"messages":[{"role":"user","content":"x"}]}""", "'max_tokens' must be a positive whole number")]
    public void TryRead_BadMessages_Is400NamingTheParam(string body, string reason)
    {
        Assert.True(OpenAIChatEnvelopeReader.TryRead(Encoding.UTF8.GetBytes(body), out _, out _), "the envelope is valid; the messages are not");

        Assert.False(OpenAIChatRequestReader.TryRead(Encoding.UTF8.GetBytes(body), out _, out var error));

        Assert.Equal(400, error!.Status);
        Assert.Contains(reason, error.Message);
    }

    private static ChatRequest Read(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.True(OpenAIChatEnvelopeReader.TryRead(bytes, out _, out var envelopeError), envelopeError?.Message);
        Assert.True(OpenAIChatRequestReader.TryRead(bytes, out var request, out var error), error?.Message);
        return request!;
    }
}
