using System.Buffers;
using LlmProxy.Canonical;
using LlmProxy.Providers;

namespace LlmProxy.Testing;

/// <summary>How a fixture's bytes arrive: all at once, cut at random places, or one byte at a time.</summary>
public enum Arrival
{
    Whole,
    RandomSplits,
    ByteByByte,
}

/// <summary>Feeds a provider stream's bytes (any framing) to a translator the way the proxy reads them from the network.</summary>
internal static class StreamFeed
{
    public static FeedResult Run(IAnswerTranslator translator, byte[] stream, Arrival arrival, int seed = 7) =>
        Run(translator, stream, arrival, new RecordingSink(), seed);

    /// <summary>As <see cref="Run(IAnswerTranslator, byte[], Arrival, int)"/>, into a sink of the caller's (a dialect's writer).</summary>
    public static FeedResult Run<TSink>(IAnswerTranslator translator, byte[] stream, Arrival arrival, TSink sink, int seed = 7)
        where TSink : IStreamEventSink
    {
        var random = new Random(seed);
        var pending = new List<byte>();
        var at = 0;
        while (true)
        {
            var size = arrival switch
            {
                Arrival.Whole => stream.Length,
                Arrival.ByteByByte => 1,
                _ => random.Next(1, 40),
            };
            var take = Math.Min(size, stream.Length - at);
            pending.AddRange(stream.AsSpan(at, take));
            at += take;
            var isLast = at == stream.Length;
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            var error = translator.TranslateFrames(ref buffer, isLast, sink);
            pending.RemoveRange(0, pending.Count - (int)buffer.Length);
            if (error is not null || isLast)
            {
                return new FeedResult(sink as RecordingSink ?? new RecordingSink(), error, translator.Finished);
            }
        }
    }
}

internal sealed record FeedResult(RecordingSink Sink, ProviderError? Error, bool Finished);
