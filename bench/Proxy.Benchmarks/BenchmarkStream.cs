using System.Buffers;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Streaming;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Benchmarks;

/// <summary>What the stream benchmarks share: one provider event fed as the proxy does it, and a response body thrown away.</summary>
internal static class BenchmarkStream
{
    /// <summary>Cuts one event from <paramref name="bytes"/>, translates it into <paramref name="sink"/> and flushes, as per upstream read.</summary>
    public static bool Feed(SseEventParser parser, byte[] bytes, SseAnswerTranslator translator, IStreamEventSink sink)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        SseEventSplitter.TryRead(ref buffer, out var sseEvent, out _);
        var error = translator.TranslateEvent(parser.Parse(sseEvent), sink);
        var flush = sink.FlushAsync(CancellationToken.None);
        if (!flush.IsCompletedSuccessfully)
        {
            flush.AsTask().GetAwaiter().GetResult();
        }
        return error is null;
    }

    /// <summary>The response body a client would read, thrown away: what is measured is the translation, not a socket.</summary>
    public static DefaultHttpContext DiscardingContext()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = Stream.Null;
        return context;
    }
}
