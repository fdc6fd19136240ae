using System.Net;
using System.Net.Http.Headers;

namespace LlmProxy.Inbound;

/// <summary>
/// The upstream body of a pass-through: the client's bytes with at most two splices applied on the way out
/// (the model, and the dialect's extra one), written straight from the pooled request buffer without a copy.
/// </summary>
internal sealed class SplicedJsonContent : HttpContent
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly ReadOnlyMemory<byte> _body;
    private readonly BodySplice _first;
    private readonly BodySplice _second;

    public SplicedJsonContent(ReadOnlyMemory<byte> body, BodySplice a, BodySplice b)
    {
        _body = body;
        (_first, _second) = b.IsNone || a.Offset <= b.Offset ? (a, b) : (b, a);
        Headers.ContentType = Json;
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var position = 0;
        for (var i = 0; i < 2; i++)
        {
            var splice = i == 0 ? _first : _second;
            if (splice.IsNone)
            {
                continue;
            }
            await stream.WriteAsync(_body[position..splice.Offset], cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(splice.Replacement, cancellationToken).ConfigureAwait(false);
            position = splice.Offset + splice.Length;
        }
        await stream.WriteAsync(_body[position..], cancellationToken).ConfigureAwait(false);
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
}
