using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Inbound.Anthropic;
using LlmProxy.Inbound.OpenAIChat;

namespace LlmProxy.Tests.Inbound;

/// <summary>Bodies past 4 MiB are parsed on a thread of their own: the answer must be the same as on the request's thread.</summary>
public sealed class RequestDocumentTests
{
    private static readonly string LargeBase64 = Convert.ToBase64String(new byte[5 * 1024 * 1024]);

    [Fact]
    public void TryRead_LargeAnthropicBody_KeepsTheImageWhole()
    {
        var body = Encoding.UTF8.GetBytes($$$"""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"{{{LargeBase64}}}"}}]}]}""");

        Assert.True(AnthropicRequestReader.TryRead(body, out var request, out var error), error?.Message);

        var image = Assert.IsType<ImagePart>(Assert.Single(request!.Messages[0].Parts));
        Assert.Equal(LargeBase64, image.Data!.ToString());
    }

    [Fact]
    public void TryRead_LargeOpenAIBody_KeepsTheImageWhole()
    {
        var body = Encoding.UTF8.GetBytes($$$"""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,{{{LargeBase64}}}"}}]}]}""");

        Assert.True(OpenAIChatRequestReader.TryRead(body, out var request, out var error), error?.Message);

        var image = Assert.IsType<ImagePart>(Assert.Single(request!.Messages[0].Parts));
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal(LargeBase64.Length, image.Data!.Length);
    }

    [Theory]
    [InlineData("""{"model":"m","max_tokens":5,"temperature":7,"messages":[{"role":"user","content":"{0}"}]}""", "temperature")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"{0}","content":"again"}]}""", "repeats a field")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"{0}\ud800"}]}""", "Unicode")]
    public void TryRead_LargeBadBody_Is400SayingWhy(string template, string reason)
    {
        var body = Encoding.UTF8.GetBytes(template.Replace("{0}", LargeBase64));

        Assert.False(AnthropicRequestReader.TryRead(body, out _, out var error));

        Assert.Equal(400, error!.Status);
        Assert.Contains(reason, error.Message);
    }
}
