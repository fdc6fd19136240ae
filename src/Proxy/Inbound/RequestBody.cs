using System.Buffers;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound;

/// <summary>
/// A client's request body in one pooled buffer (the proxy must read it whole to route on its model), capped at
/// <c>server.maxBodyBytes</c>. Dispose returns the buffer to the pool.
/// </summary>
internal sealed class RequestBody : IDisposable
{
    private const int InitialBytes = 4096;
    private byte[] _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public static async Task<(RequestBody? Body, GatewayError? Error)> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? InitialBytes, maxBytes) + 1);
        var length = 0;
        var reader = request.BodyReader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    if (length + (long)segment.Length > maxBytes)
                    {
                        reader.AdvanceTo(result.Buffer.End);
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, TooLarge(maxBytes));
                    }
                    if (length + segment.Length > buffer.Length)
                    {
                        buffer = Grow(buffer, length, length + segment.Length);
                    }
                    segment.Span.CopyTo(buffer.AsSpan(length));
                    length += segment.Length;
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (BadHttpRequestException e)
        {
            // The client's own transport fault (a bad chunk, a body shorter than its Content-Length, an upload that
            // stalled): its status (400, 408) and Kestrel's reason, in the client's dialect.
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, ClientFault(e));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        if (length == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, GatewayError.BadRequest("The request body is empty; send a JSON object."));
        }
        return (new RequestBody(buffer, length), null);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Grow(byte[] buffer, int used, int needed)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.AsSpan(0, used).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    /// <summary>A request Kestrel could not read, as the error the client gets (its status: 400, 408, 413).</summary>
    public static GatewayError ClientFault(BadHttpRequestException e) => new(e.StatusCode,
        e.StatusCode switch { 408 => ErrorKind.Timeout, 413 => ErrorKind.RequestTooLarge, _ => ErrorKind.InvalidRequest },
        $"The request could not be read: {e.Message}", e.StatusCode == 408 ? "request_timeout" : "bad_request_body");

    private static GatewayError TooLarge(long maxBytes) =>
        new(413, ErrorKind.RequestTooLarge, $"The request body is larger than this proxy accepts ({maxBytes} bytes).", "request_too_large");
}
