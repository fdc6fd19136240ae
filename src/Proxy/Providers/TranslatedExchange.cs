using System.Buffers;
using System.IO.Pipelines;
using LlmProxy.Canonical;
using LlmProxy.Streaming;

namespace LlmProxy.Providers;

/// <summary>
/// The mechanics every translating provider shares: send, map a non-success answer, then feed the body to the
/// provider's <see cref="IAnswerTranslator"/> (a stream frame by frame as it arrives, flushing the sink after each
/// read; a JSON body once whole) and say whether the answer completed.
/// </summary>
internal static class TranslatedExchange
{
    private const int StreamReadSize = 32 * 1024;
    private const int MaxBodyBytes = SseTail.MaxBytes;

    /// <summary>
    /// The buffer a provider's body is written into, sized from the client's body: a request carrying a large image is
    /// written once, without the doublings (and their copies) a small buffer would grow through.
    /// </summary>
    public static ArrayBufferWriter<byte> BodyBuffer(ChatRequest request) => new(Math.Max(4096, request.SizeHint + 4096));

    /// <summary>Sends <paramref name="request"/> (URL and auth set) with <paramref name="jsonBody"/> and translates the answer into <paramref name="sink"/>.</summary>
    public static async ValueTask<ProviderError?> RunAsync(ProviderServices upstream, HttpRequestMessage request, ReadOnlyMemory<byte> jsonBody,
        ProviderTarget target, bool stream, IUpstreamErrorMapper errors, IAnswerTranslator translator, IStreamEventSink sink,
        CancellationToken cancellationToken)
    {
        request.Content = new UpstreamJsonContent(jsonBody);
        var (call, error) = await UpstreamCall.SendAsync(upstream, request, target.Timeouts, stream, cancellationToken).ConfigureAwait(false);
        using (call)
        {
            if (error is not null)
            {
                return error;
            }
            if (!UpstreamCall.IsSuccess(call.Response!.StatusCode))
            {
                return await call.ReadErrorAsync(errors).ConfigureAwait(false);
            }
            if (call.RequestId is { } requestId)
            {
                sink.UpstreamRequestId(requestId);
            }
            try
            {
                return stream
                    ? await ReadStreamAsync(call, translator, sink, cancellationToken).ConfigureAwait(false)
                    : await ReadBodyAsync(call, translator, sink).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
            {
                return call.ErrorFrom(e);
            }
        }
    }

    private static async ValueTask<ProviderError?> ReadStreamAsync(UpstreamCall call, IAnswerTranslator translator, IStreamEventSink sink,
        CancellationToken cancellationToken)
    {
        // Zero-byte reads: an idle stream holds no buffer while it waits.
        var input = PipeReader.Create(await call.Response!.Content.ReadAsStreamAsync(call.Token).ConfigureAwait(false),
            new StreamPipeReaderOptions(bufferSize: StreamReadSize, minimumReadSize: 1024, useZeroByteReads: true));
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(call.Token).ConfigureAwait(false);
                call.OnProgress();
                var buffer = result.Buffer;
                var error = translator.TranslateFrames(ref buffer, result.IsCompleted, sink);
                input.AdvanceTo(buffer.Start, buffer.End);
                await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (error is not null)
                {
                    return error;
                }
                // Read to the end even after the end signal: usage may follow it (Bedrock's metadata), and a body read
                // to its end returns the connection to the pool.
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        finally
        {
            if (!translator.Finished)
            {
                translator.ReportPartialUsage(sink);
            }
            await input.CompleteAsync().ConfigureAwait(false);
        }
        return translator.Finished ? null : new ProviderError(ProviderErrorKind.Truncated, "the provider's stream ended before its end signal");
    }

    private static async ValueTask<ProviderError?> ReadBodyAsync(UpstreamCall call, IAnswerTranslator translator, IStreamEventSink sink)
    {
        var (body, length, error) = await call.ReadWholeBodyAsync(MaxBodyBytes).ConfigureAwait(false);
        try
        {
            return error ?? translator.TranslateBody(body.AsSpan(0, length), sink);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }
}
