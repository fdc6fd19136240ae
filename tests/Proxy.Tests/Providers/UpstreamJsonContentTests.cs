using System.Text;
using LlmProxy.Providers;

namespace LlmProxy.Tests.Providers;

public sealed class UpstreamJsonContentTests
{
    [Theory]
    [InlineData(100)]
    [InlineData(64 * 1024)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(3 * 64 * 1024 + 17)]
    public async Task Serialize_BodyOfAnySize_SendsTheBytesWithBothSplicesApplied(int fillerLength)
    {
        var filler = new string('x', fillerLength);
        var body = Encoding.UTF8.GetBytes($"{{\"model\":\"alias\",\"filler\":\"{filler}\",\"tail\":1}}");
        var model = Array.IndexOf(body, (byte)'a', 9);
        var tail = body.Length - 2;
        var content = new UpstreamJsonContent(body,
            new BodySplice(tail, 1, "2"u8.ToArray()),
            new BodySplice(model, "alias".Length, "provider-model"u8.ToArray()));

        var sent = await content.ReadAsByteArrayAsync();

        Assert.Equal($"{{\"model\":\"provider-model\",\"filler\":\"{filler}\",\"tail\":2}}", Encoding.UTF8.GetString(sent));
        Assert.Equal(sent.Length, content.Headers.ContentLength);
    }

    [Fact]
    public async Task Serialize_LargeBodyWithoutSplices_SendsItUnchanged()
    {
        var body = new byte[1024 * 1024 + 3];
        Random.Shared.NextBytes(body);

        var sent = await new UpstreamJsonContent(body).ReadAsByteArrayAsync();

        Assert.Equal(body, sent);
    }
}
