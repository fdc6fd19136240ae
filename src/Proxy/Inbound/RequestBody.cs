using System.Buffers;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound;

/// <summary>
/// A client's request body in one buffer (the proxy must read it whole to route on its model), capped at
/// <c>server.maxBodyBytes</c> and counted against the <see cref="BodyBudget"/>. Small bodies come from the buffer pool;
/// large ones (over <see cref="PooledLimit"/>) are plain arrays, so the pool never keeps megabytes after a burst.
/// Dispose gives the buffer and its budget back.
/// </summary>
internal sealed class RequestBody : IDisposable
{
    /// <summary>Bodies up to this size are pooled; the pool would otherwise hold on to the large ones for ever.</summary>
    public const int PooledLimit = 1024 * 1024;
    private const int InitialBytes = 4096;

    /// <summary>The budget a body takes before its bytes arrive; more as they do (most bodies are smaller).</summary>
    private const int ReserveStep = 64 * 1024;
    private readonly BodyBudget _budget;
    private byte[] _buffer;
    private long _reserved;

    private RequestBody(BodyBudget budget, byte[] buffer, long reserved, int length)
    {
        _budget = budget;
        _buffer = buffer;
        _reserved = reserved;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public static async Task<(RequestBody? Body, GatewayError? Error)> ReadAsync(HttpRequest request, long maxBytes, BodyBudget budget,
        CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }
        var size = (int)Math.Min(request.ContentLength ?? InitialBytes, maxBytes);
        // The budget is taken as bytes arrive, not as announced: a client that announces 32 MiB and then trickles holds
        // what it sent, not the whole budget. The buffer too starts at most a MiB, outside the pool when more was announced
        // (a pooled MiB left behind by each large body would stay in the pool for good).
        var buffer = Allocate(budget, (int)Math.Min(size + 1L, PooledLimit + 1));
        long reserved = Math.Min(buffer.Length, ReserveStep);
        if (!await budget.TryTakeAsync(reserved, cancellationToken).ConfigureAwait(false))
        {
            Release(budget, buffer, 0);
            return (null, BodyBudget.Exhausted(budget.MaxBytes));
        }
        var length = 0;
        var reader = request.BodyReader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    var end = length + (long)segment.Length;
                    if (end > maxBytes)
                    {
                        reader.AdvanceTo(result.Buffer.End);
                        Release(budget, buffer, reserved);
                        return (null, TooLarge(maxBytes));
                    }
                    if (end > reserved)
                    {
                        // One byte more than announced, so a body exactly as long as it said completes without a growth;
                        // without an announced length (chunked), doubling.
                        var capacity = end <= buffer.Length ? buffer.Length
                            : (int)Math.Min(maxBytes + 1, Math.Max(end, request.ContentLength is { } announced && announced + 1 >= end ? announced + 1 : buffer.Length * 2L));
                        var wanted = Math.Min(capacity, Math.Max(end, reserved * 2));
                        if (!await budget.TryTakeAsync(wanted - reserved, cancellationToken).ConfigureAwait(false))
                        {
                            reader.AdvanceTo(result.Buffer.End);
                            Release(budget, buffer, reserved);
                            return (null, BodyBudget.Exhausted(budget.MaxBytes));
                        }
                        reserved = wanted;
                        if (capacity > buffer.Length)
                        {
                            buffer = Grow(budget, buffer, length, capacity);
                        }
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
            Release(budget, buffer, reserved);
            return (null, ClientFault(e));
        }
        catch
        {
            Release(budget, buffer, reserved);
            throw;
        }
        if (length == 0)
        {
            Release(budget, buffer, reserved);
            return (null, GatewayError.BadRequest("The request body is empty; send a JSON object."));
        }
        return (new RequestBody(budget, buffer, reserved, length), null);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            Release(_budget, buffer, _reserved);
        }
    }

    private static byte[] Allocate(BodyBudget budget, int size)
    {
        if (size <= PooledLimit)
        {
            return ArrayPool<byte>.Shared.Rent(size);
        }
        budget.LargeBufferAllocated();
        return GC.AllocateUninitializedArray<byte>(size);
    }

    private static void Free(BodyBudget budget, byte[] buffer)
    {
        if (buffer.Length <= PooledLimit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        else
        {
            budget.LargeBufferFreed();
        }
    }

    private static void Release(BodyBudget budget, byte[] buffer, long reserved)
    {
        Free(budget, buffer);
        budget.Give(reserved);
    }

    private static byte[] Grow(BodyBudget budget, byte[] buffer, int used, int needed)
    {
        var bigger = Allocate(budget, needed);
        buffer.AsSpan(0, used).CopyTo(bigger);
        Free(budget, buffer);
        return bigger;
    }

    /// <summary>
    /// A request Kestrel could not read, as the error the client gets (its status: 400, 408, 413). A stalled upload is
    /// the client's own fault too: its type is the dialect's invalid-request type, not a server error.
    /// </summary>
    public static GatewayError ClientFault(BadHttpRequestException e) => e.StatusCode switch
    {
        408 => new(408, ErrorKind.InvalidRequest,
            "The request body arrived too slowly (under 240 bytes a second after the first 5 seconds); the upload was given up.", "request_timeout"),
        413 => new(413, ErrorKind.RequestTooLarge, $"The request could not be read: {e.Message}", "request_too_large"),
        _ => new(e.StatusCode, ErrorKind.InvalidRequest, $"The request could not be read: {e.Message}", "bad_request_body"),
    };

    private static GatewayError TooLarge(long maxBytes) =>
        new(413, ErrorKind.RequestTooLarge, $"The request body is larger than this proxy accepts ({maxBytes} bytes).", "request_too_large");
}
