using System.Text;
using LlmProxy.Streaming;

namespace LlmProxy.Tests.Streaming;

public sealed class JsonPropertyCaptureTests
{
    private const string Body = """
        {"id":"x","choices":[{"message":{"content":"the \"usage\": {fake} \\","usage":{"no":1}}}],
         "note":"{\"usage\":{}}", "usage" : {"prompt_tokens":19,"details":{"cached_tokens":3},"s":"}"} ,"after":[1,{"usage":2}]}
        """;

    [Fact]
    public void Feed_WholeBody_CapturesOnlyTheTopLevelValue()
    {
        var capture = Feed(Body, Body.Length);

        Assert.True(capture.IsComplete);
        Assert.Equal("""{"prompt_tokens":19,"details":{"cached_tokens":3},"s":"}"}""", Encoding.UTF8.GetString(capture.Value));
    }

    [Fact]
    public void Feed_SplitAtEveryPosition_CapturesTheSameValue()
    {
        var expected = Encoding.UTF8.GetString(Feed(Body, Body.Length).Value);
        var bytes = Encoding.UTF8.GetBytes(Body);
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var capture = new JsonPropertyCapture("usage"u8.ToArray());
            capture.Feed(bytes.AsSpan(0, cut));
            capture.Feed(bytes.AsSpan(cut));

            Assert.Equal(expected, Encoding.UTF8.GetString(capture.Value));
        }
    }

    [Fact]
    public void Feed_ByteByByte_CapturesTheSameValue() =>
        Assert.Equal(Encoding.UTF8.GetString(Feed(Body, Body.Length).Value), Encoding.UTF8.GetString(Feed(Body, 1).Value));

    [Theory]
    [InlineData("""{"usage":null}""")]
    [InlineData("""{"usage":[1,2]}""")]
    [InlineData("""{"a":{"usage":{"x":1}}}""")]
    [InlineData("""{"usages":{"x":1}}""")]
    [InlineData("""{"usage":{"x":1""")]
    [InlineData("""not json at all { "usage" """)]
    public void Feed_NoTopLevelObjectValue_CapturesNothing(string body) => Assert.False(Feed(body, 3).IsComplete);

    [Fact]
    public void Feed_ValueOverTheCap_IsDropped()
    {
        var capture = new JsonPropertyCapture("usage"u8.ToArray(), maxValueBytes: 16);
        capture.Feed("""{"usage":{"a":"0123456789012345678901234567890"}}"""u8);

        Assert.False(capture.IsComplete);
    }

    private static JsonPropertyCapture Feed(string body, int pieceSize)
    {
        var capture = new JsonPropertyCapture("usage"u8.ToArray());
        var bytes = Encoding.UTF8.GetBytes(body);
        for (var at = 0; at < bytes.Length; at += pieceSize)
        {
            capture.Feed(bytes.AsSpan(at, Math.Min(pieceSize, bytes.Length - at)));
        }
        return capture;
    }
}
