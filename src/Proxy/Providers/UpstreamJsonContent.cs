using System.Buffers;
using System.Net;
using System.Net.Http.Headers;

namespace LlmProxy.Providers;

/// <summary>
/// A JSON body sent upstream from memory the proxy already holds: a translated body as written, or a pass-through
/// client's bytes with at most two <see cref="BodySplice"/>s applied on the way out (the model, and the dialect's
/// extra one). Small bodies are written without a copy.
/// </summary>
internal sealed class UpstreamJsonContent : HttpContent
{
    // A socket keeps a reference to the last buffer it sent until it sends again, and a pooled upstream connection
    // may then sit idle for minutes: a large body goes out through a small pooled buffer, so that is all it keeps.
    private const int DirectWriteMaxBytes = 64 * 1024;
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly ReadOnlyMemory<byte> _body;
    private readonly BodySplice _first;
    private readonly BodySplice _second;

    public UpstreamJsonContent(ReadOnlyMemory<byte> body, BodySplice a = default, BodySplice b = default)
    {
        _body = body;
        (_first, _second) = b.IsNone || a.Offset <= b.Offset ? (a, b) : (b, a);
        Headers.ContentType = Json;
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var copyBuffer = _body.Length > DirectWriteMaxBytes ? ArrayPool<byte>.Shared.Rent(DirectWriteMaxBytes) : null;
        try
        {
            var position = 0;
            for (var i = 0; i < 2; i++)
            {
                var splice = i == 0 ? _first : _second;
                if (splice.IsNone)
                {
                    continue;
                }
                await WriteAsync(stream, _body[position..splice.Offset], copyBuffer, cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(splice.Replacement, cancellationToken).ConfigureAwait(false);
                position = splice.Offset + splice.Length;
            }
            await WriteAsync(stream, _body[position..], copyBuffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (copyBuffer is not null)
            {
                ArrayPool<byte>.Shared.Return(copyBuffer);
            }
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = _body.Length;
        foreach (var splice in (ReadOnlySpan<BodySplice>)[_first, _second])
        {
            length += splice.Replacement.Length - splice.Length;
        }
        return true;
    }

    private static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> bytes, byte[]? copyBuffer, CancellationToken cancellationToken)
    {
        if (copyBuffer is null)
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            return;
        }
        while (!bytes.IsEmpty)
        {
            var length = Math.Min(bytes.Length, copyBuffer.Length);
            bytes[..length].CopyTo(copyBuffer);
            await stream.WriteAsync(copyBuffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            bytes = bytes[length..];
        }
    }
}
