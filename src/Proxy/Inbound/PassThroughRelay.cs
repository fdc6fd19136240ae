using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Streaming;

namespace LlmProxy.Inbound;

/// <summary>
/// Pipes a same-dialect answer back as it arrives, reading usage on the side: JSON bodies byte for byte, streams
/// through the dialect's <see cref="SseRelayFilter"/>, held back until the first content so a stream that fails
/// before it can still be served by another deployment. A stream that ends without its end marker after content was
/// cut off: the client gets an in-stream error in its dialect, never a silent ending that looks complete.
/// </summary>
internal static class PassThroughRelay
{
    private const int ReadSize = 16 * 1024;
    private const int StreamReadSize = 32 * 1024;
    private static readonly byte[] UsagePropertyName = "usage"u8.ToArray();

    /// <param name="stream">Whether the client asked for a stream: an answer of the other kind is the provider's fault
    /// (<see cref="ProviderErrorKind.InvalidResponse"/>, so another deployment may answer), since the client's SDK could
    /// not read it.</param>
    /// <param name="readUsage">Reads the dialect's <c>usage</c> object of a non-stream body.</param>
    /// <param name="writeStreamError">Writes an error event in the dialect's stream format.</param>
    /// <param name="copy">Receives a copy of a non-stream body as it is relayed, for a dialect that keeps answers (the Responses store).</param>
    public static Task<RelayResult> RelayAsync(HttpContext context, UpstreamCall call, bool stream, SseRelayFilter filter,
        UsageReader readUsage, Action<IBufferWriter<byte>, GatewayError> writeStreamError, AnswerClaim claim, IBufferWriter<byte>? copy = null)
    {
        // The raw header, not the parsed ContentType property: it is passed on as sent, so parsing it is wasted work.
        var contentType = call.Response!.Content.Headers.NonValidated.TryGetValues("Content-Type", out var values) ? values.ToString() : "application/json";
        var upstreamStream = contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);
        if (upstreamStream != stream)
        {
            return Task.FromResult(new RelayResult(null, ProviderError.Invalid(stream
                ? $"a body of type '{ErrorText.Quote(contentType)}' to a request for a stream"
                : "a stream to a request for a JSON body")));
        }
        return stream
            ? RelayStreamAsync(context, call, filter, writeStreamError, claim, contentType)
            : RelayBodyAsync(context, call, readUsage, claim, contentType, copy);
    }

    /// <summary>Claims the answer and gives the response the provider's head; false when another attempt answers instead.</summary>
    private static bool TryClaim(HttpContext context, UpstreamCall call, AnswerClaim claim, string contentType, bool stream)
    {
        if (!claim.TryClaim())
        {
            return false;
        }
        if (stream)
        {
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        }
        var upstream = call.Response!;
        var response = context.Response;
        response.StatusCode = (int)upstream.StatusCode;
        response.ContentType = contentType;
        // Helps operators match a request to the provider's own logs.
        RequestIds.CopyUpstream(call, response);
        return true;
    }

    // Another attempt answers: this one stops as if cancelled, having written nothing.
    private static RelayResult Lost => new(null, ProviderError.Canceled);

    /// <summary>Reads a dialect's usage object; null when it is not one.</summary>
    public delegate TokenUsage? UsageReader(ReadOnlySpan<byte> usageJson);

    private static async Task<RelayResult> RelayBodyAsync(HttpContext context, UpstreamCall call, UsageReader readUsage, AnswerClaim claim, string contentType,
        IBufferWriter<byte>? copy)
    {
        var usageCapture = new JsonPropertyCapture(UsagePropertyName);
        Stream body;
        var first = ArrayPool<byte>.Shared.Rent(ReadSize);
        int firstRead;
        try
        {
            // The first bytes are read before the answer is claimed: a body that breaks before them leaves the
            // response untouched, so another deployment can still answer.
            body = await call.Response!.Content.ReadAsStreamAsync(call.Token);
            firstRead = await body.ReadAsync(first, call.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
        {
            ArrayPool<byte>.Shared.Return(first);
            return new RelayResult(null, call.ErrorFrom(e));
        }
        await using (body)
        {
            // The body is passed on unread, but its start must be one: an empty answer, garbage or an encoding the
            // proxy did not ask for would reach a client that cannot read it, while another deployment could answer.
            if (NotAJsonObject(first.AsSpan(0, firstRead)) is { } what)
            {
                ArrayPool<byte>.Shared.Return(first);
                return new RelayResult(null, ProviderError.Invalid(what));
            }
            if (!TryClaim(context, call, claim, contentType, stream: false))
            {
                ArrayPool<byte>.Shared.Return(first);
                return Lost;
            }
            var response = context.Response;
            response.ContentLength = call.Response.Content.Headers.ContentLength;
            var writer = response.BodyWriter;
            usageCapture.Feed(first.AsSpan(0, firstRead));
            writer.Write(first.AsSpan(0, firstRead));
            copy?.Write(first.AsSpan(0, firstRead));
            ArrayPool<byte>.Shared.Return(first);
            try
            {
                await writer.FlushAsync(context.RequestAborted);
                while (firstRead > 0)
                {
                    var memory = writer.GetMemory(ReadSize);
                    var read = await body.ReadAsync(memory, call.Token);
                    if (read == 0)
                    {
                        break;
                    }
                    usageCapture.Feed(memory.Span[..read]);
                    copy?.Write(memory.Span[..read]);
                    writer.Advance(read);
                    await writer.FlushAsync(context.RequestAborted);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
            {
                // Half a JSON body cannot be repaired: abort, so the client sees a broken response rather than a short one.
                context.Abort();
                return new RelayResult(null, call.ErrorFrom(e));
            }
        }
        return new RelayResult(usageCapture.IsComplete ? readUsage(usageCapture.Value) : null, null);
    }

    private static string? NotAJsonObject(ReadOnlySpan<byte> start)
    {
        var text = start.TrimStart(" \t\r\n"u8);
        return start.IsEmpty ? "an empty answer"
            : text.IsEmpty || text[0] == (byte)'{' ? null
            : "an answer that is not a JSON object";
    }

    private static async Task<RelayResult> RelayStreamAsync(HttpContext context, UpstreamCall call, SseRelayFilter filter,
        Action<IBufferWriter<byte>, GatewayError> writeStreamError, AnswerClaim claim, string contentType)
    {
        var output = context.Response.BodyWriter;
        // Until content arrives the stream is held back here, not sent: a provider that fails before its first content
        // leaves the response untouched, so the next deployment can still answer.
        ArrayBufferWriter<byte>? held = new(512);
        IBufferWriter<byte> target = held;
        // Zero-byte reads: an idle stream holds no buffer while it waits, which is what lets thousands stay open.
        var input = PipeReader.Create(await call.Response!.Content.ReadAsStreamAsync(call.Token),
            new StreamPipeReaderOptions(bufferSize: StreamReadSize, minimumReadSize: 1024, useZeroByteReads: true));
        ProviderError? error = null;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(call.Token);
                call.OnProgress();
                var buffer = result.Buffer;
                var tailFits = filter.Process(ref buffer, target);
                if (result.IsCompleted)
                {
                    filter.ProcessRemainder(buffer, target);
                    buffer = buffer.Slice(buffer.End);
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (!tailFits)
                {
                    error = ProviderError.Invalid(SseTail.TooLarge);
                    break;
                }
                if (held is not null && filter.ContentStarted)
                {
                    if (!TryClaim(context, call, claim, contentType, stream: true))
                    {
                        return Lost;
                    }
                    output.Write(held.WrittenSpan);
                    target = output;
                    held = null; // released: a long stream does not keep its opening's buffer alive
                }
                if (held is null)
                {
                    await output.FlushAsync(context.RequestAborted);
                }
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
        {
            error = call.ErrorFrom(e);
        }
        finally
        {
            await input.CompleteAsync();
        }
        if (held is not null)
        {
            if (error is null && filter.Done && !filter.ProviderSentError)
            {
                // A whole answer without content (an empty completion): nothing to retry, send it as it came.
                if (!TryClaim(context, call, claim, contentType, stream: true))
                {
                    return Lost;
                }
                output.Write(held.WrittenSpan);
                await output.FlushAsync(context.RequestAborted);
                return new RelayResult(filter.Usage, null, filter.ContentEvents);
            }
            return new RelayResult(null, filter.EarlyError ?? error ??
                new ProviderError(ProviderErrorKind.Truncated, "the provider's stream ended before any content"));
        }
        if (error is null && !filter.Done && !filter.ProviderSentError)
        {
            error = new ProviderError(ProviderErrorKind.Truncated, "the provider's stream ended before its end marker");
        }
        if (error is not null && error.Kind != ProviderErrorKind.Canceled && !filter.ProviderSentError)
        {
            writeStreamError(output, GatewayErrors.FromProvider(error, claim.Deployment));
            await output.FlushAsync(CancellationToken.None);
        }
        return new RelayResult(filter.Usage, filter.ProviderSentError
            ? new ProviderError(ProviderErrorKind.InvalidResponse, "the provider ended its stream with an error event")
            : error, filter.ContentEvents);
    }
}
