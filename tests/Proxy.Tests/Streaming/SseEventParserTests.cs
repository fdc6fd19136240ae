using System.Text;
using LlmProxy.Streaming;
using LlmProxy.Testing;

namespace LlmProxy.Tests.Streaming;

public sealed class SseEventParserTests
{
    private readonly SseEventParser _parser = new();

    [Theory]
    [InlineData("data: {\"a\":1}\n\n", "", "{\"a\":1}")]
    [InlineData("data:{\"a\":1}\r\n\r\n", "", "{\"a\":1}")]
    [InlineData("event: message_start\ndata: {}\n\n", "message_start", "{}")]
    [InlineData("data: one\ndata: two\n\n", "", "one\ntwo")]
    [InlineData(": comment\ndata:  two spaces\n\n", "", " two spaces")]
    [InlineData("id: 7\nretry: 10\ndata: x\n\n", "", "x")]
    public void Parse_Event_ReadsTypeAndJoinedData(string text, string type, string data)
    {
        foreach (var segmentSize in new[] { text.Length, 3, 1 })
        {
            var parsed = _parser.Parse(SegmentedSequence.From(Encoding.UTF8.GetBytes(text), segmentSize));

            Assert.True(parsed.HasData);
            Assert.Equal(type, Encoding.UTF8.GetString(parsed.EventType));
            Assert.Equal(data, Encoding.UTF8.GetString(parsed.Data));
        }
    }

    [Theory]
    [InlineData(": ping\n\n")]
    [InlineData("event: ping\n\n")]
    [InlineData("\n")]
    public void Parse_EventWithoutData_HasNoData(string text) =>
        Assert.False(_parser.Parse(SegmentedSequence.From(Encoding.UTF8.GetBytes(text), text.Length)).HasData);
}
