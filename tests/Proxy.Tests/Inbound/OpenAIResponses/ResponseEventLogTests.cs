using System.IO.Pipelines;
using System.Text;
using LlmProxy.Inbound.OpenAIResponses;

namespace LlmProxy.Tests.Inbound.OpenAIResponses;

/// <summary>The events of a background run: kept in order, handed to the Redis mirror as kept, replayed from any point.</summary>
public sealed class ResponseEventLogTests
{
    [Fact]
    public void Append_WithAMirror_HandsItEachEventInOrderAsKeptWithItsSequenceNumber()
    {
        var mirrored = new List<(int SequenceNumber, byte[] Event)>();
        var log = new ResponseEventLog((sequenceNumber, e) => mirrored.Add((sequenceNumber, e)));

        log.Append("event: a\ndata: {}\n\n"u8);
        log.Append("event: b\ndata: {}\n\n"u8);

        Assert.Equal([(0, "event: a\ndata: {}\n\n"), (1, "event: b\ndata: {}\n\n")], mirrored.Select(e => (e.SequenceNumber, Encoding.UTF8.GetString(e.Event))));
        Assert.Equal(string.Concat(mirrored.Select(e => Encoding.UTF8.GetString(e.Event))), Encoding.UTF8.GetString(log.ToArray()));
    }

    [Fact]
    public async Task CopyToAsync_StartingAfterZero_WritesTheRestThenEndsOnceCompleted()
    {
        var log = new ResponseEventLog();
        foreach (var name in new[] { "a", "b", "c" })
        {
            log.Append(Encoding.UTF8.GetBytes($"event: {name}\n\n"));
        }
        log.Complete();
        var output = new MemoryStream();

        await log.CopyToAsync(PipeWriter.Create(output), startingAfter: 0, CancellationToken.None);

        Assert.Equal("event: b\n\nevent: c\n\n", Encoding.UTF8.GetString(output.ToArray()));
    }
}
