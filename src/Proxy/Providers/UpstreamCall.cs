using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace LlmProxy.Providers;

/// <summary>
/// One HTTP exchange with a provider: sends with <c>ResponseHeadersRead</c>, owns the timeout clock for the whole
/// exchange, and turns every way it can fail into a <see cref="ProviderError"/>. The client's abort token is linked
/// in, so a client that goes away cancels the upstream request at once; so is the proxy's shutdown, which cuts it when
/// the drain time runs out (<see cref="ProviderErrorKind.ShuttingDown"/>, which the dialects answer in-stream).
/// </summary>
internal sealed class UpstreamCall : IDisposable
{
    public static readonly HttpRequestOptionsKey<int> ConnectTimeoutOption = new("llm-proxy.connectTimeoutMs");
    private const int MaxErrorBodyBytes = 64 * 1024;

    private readonly CancellationTokenSource _timeout;
    private readonly CancellationToken _clientAborted;
    private readonly CancellationToken _shutdown;
    private readonly UpstreamTimeouts _timeouts;
    private readonly bool _streaming;
    // What the running clock waits for, as the timeout error says it: "sent no response headers within" 2000 ms.
    private string _waitingFor = "";
    private int _waitMs;

    private UpstreamCall(UpstreamTimeouts timeouts, bool streaming, CancellationToken clientAborted, CancellationToken shutdown)
    {
        _timeouts = timeouts;
        _streaming = streaming;
        _clientAborted = clientAborted;
        _shutdown = shutdown;
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(clientAborted, shutdown);
        if (streaming)
        {
            Arm("sent no response headers within", timeouts.FirstByteMs);
        }
        else
        {
            Arm("did not finish answering within", timeouts.TotalMs);
        }
    }

    /// <summary>Cancelled by the client's abort, the proxy's shutdown or the running timeout; pass it to every read of the body.</summary>
    public CancellationToken Token => _timeout.Token;

    public HttpResponseMessage? Response { get; private set; }

    /// <summary>
    /// The provider's own id for the request: <c>x-request-id</c> (OpenAI and most compatible servers), <c>request-id</c>
    /// (Anthropic) or <c>x-amzn-requestid</c> (Bedrock), when it sent exactly one of 1 to 128 visible ASCII characters
    /// (so it may go back in a header and a log line unchanged); else null.
    /// </summary>
    public string? RequestId
    {
        get
        {
            foreach (var name in RequestIdHeaders)
            {
                if (Response?.Headers.NonValidated.TryGetValues(name, out var values) == true && values.Count == 1 && values.ToString() is var value
                    && IsVisibleAscii(value))
                {
                    return value;
                }
            }
            return null;
        }
    }

    /// <summary>Time spent waiting for the provider's response headers (Stopwatch ticks).</summary>
    public long HeadersElapsedTicks { get; private set; }

    public static async Task<(UpstreamCall Call, ProviderError? Error)> SendAsync(
        ProviderServices upstream, HttpRequestMessage request, UpstreamTimeouts timeouts, bool streaming, CancellationToken clientAborted)
    {
        var call = new UpstreamCall(timeouts, streaming, clientAborted, upstream.Shutdown);
        request.Options.Set(ConnectTimeoutOption, timeouts.ConnectMs);
        var started = Stopwatch.GetTimestamp();
        try
        {
            call.Response = await upstream.Http.SendAsync(request, call.Token).ConfigureAwait(false);
            call.HeadersElapsedTicks = Stopwatch.GetTimestamp() - started;
            if (streaming)
            {
                call.Arm("went silent mid-stream for", timeouts.IdleMs);
            }
            return (call, null);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            call.HeadersElapsedTicks = Stopwatch.GetTimestamp() - started;
            return (call, call.ErrorFrom(e));
        }
    }

    /// <summary>Restarts the idle clock; call after every read of a stream body.</summary>
    public void OnProgress()
    {
        if (_streaming)
        {
            _timeout.CancelAfter(_timeouts.IdleMs);
        }
    }

    /// <summary>Reads a non-success answer (at most 64 KiB: error bodies are small) and lets the provider map it.</summary>
    public async Task<ProviderError> ReadErrorAsync(IUpstreamErrorMapper provider)
    {
        var response = Response!;
        var retryAfter = ReadRetryAfter(response.Headers);
        var buffer = new byte[MaxErrorBodyBytes];
        var length = 0;
        try
        {
            var body = await response.Content.ReadAsStreamAsync(Token).ConfigureAwait(false);
            int read;
            while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), Token).ConfigureAwait(false)) > 0)
            {
                length += read;
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            if (_clientAborted.IsCancellationRequested)
            {
                return ProviderError.Canceled;
            }
            if (_shutdown.IsCancellationRequested)
            {
                return ProviderError.ShuttingDown;
            }
        }
        return CredentialRedactor.Redact(provider.MapErrorResponse((int)response.StatusCode, buffer.AsSpan(0, length), retryAfter), response.RequestMessage);
    }

    /// <summary>
    /// Reads a whole JSON answer (one that must be read before it can be translated) into a pooled buffer, growing it up
    /// to <paramref name="maxBytes"/>; the caller gives <c>Body</c> back to <see cref="ArrayPool{T}.Shared"/>
    /// whatever the result. An answer past the limit, or a read that fails, is the error.
    /// </summary>
    public async ValueTask<(byte[] Body, int Length, ProviderError? Error)> ReadWholeBodyAsync(int maxBytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var length = 0;
        try
        {
            await using var body = await Response!.Content.ReadAsStreamAsync(Token).ConfigureAwait(false);
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(length), Token).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length == buffer.Length)
                {
                    if (length >= maxBytes)
                    {
                        return (buffer, length, new ProviderError(ProviderErrorKind.InvalidResponse,
                            $"the provider's answer is larger than {maxBytes / (1024 * 1024)} MiB"));
                    }
                    var larger = ArrayPool<byte>.Shared.Rent(length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }
            return (buffer, length, null);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
        {
            return (buffer, length, ErrorFrom(e));
        }
    }

    public ProviderError ErrorFrom(Exception exception)
    {
        if (_clientAborted.IsCancellationRequested)
        {
            return ProviderError.Canceled;
        }
        if (_shutdown.IsCancellationRequested)
        {
            return ProviderError.ShuttingDown;
        }
        if (exception is OperationCanceledException && _timeout.IsCancellationRequested)
        {
            return new ProviderError(ProviderErrorKind.Timeout, $"the provider {_waitingFor} {_waitMs} ms");
        }
        if (exception is HttpRequestException { InnerException: TimeoutException timeout })
        {
            return new ProviderError(ProviderErrorKind.Timeout, timeout.Message);
        }
        if (exception is HttpRequestException request && Response is null)
        {
            return request.HttpRequestError is HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse
                ? new ProviderError(ProviderErrorKind.InvalidResponse, "the provider closed the connection without a valid answer")
                : new ProviderError(ProviderErrorKind.Connect, $"cannot reach the provider: {Innermost(exception).Message}");
        }
        return new ProviderError(ProviderErrorKind.Truncated, "the provider's connection broke before the answer was complete");
    }

    public void Dispose()
    {
        Response?.Dispose();
        _timeout.Dispose();
    }

    private void Arm(string waitingFor, int milliseconds)
    {
        _waitingFor = waitingFor;
        _waitMs = milliseconds;
        _timeout.CancelAfter(milliseconds);
    }

    private static readonly string[] RequestIdHeaders = ["x-request-id", "request-id", "x-amzn-requestid"];

    /// <summary>The longest request id passed on, the client's or a provider's.</summary>
    public const int MaxRequestIdLength = 128;

    /// <summary>1 to <see cref="MaxRequestIdLength"/> characters from <c>!</c> to <c>~</c>: no spaces, controls or non-ASCII.</summary>
    public static bool IsVisibleAscii(string id)
    {
        if (id.Length is 0 or > MaxRequestIdLength)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }
        return true;
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }
        return exception;
    }

    // OpenAI-compatible servers send retry-after-ms; the standard header is seconds or an HTTP date.
    /// <summary>The longest wait a provider's hint may ask for: it also sets a deployment's cooldown, which a hint of
    /// years (or an overflow such as <c>retry-after-ms: 1e400</c>) must not turn into an outage.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    private static TimeSpan? ReadRetryAfter(HttpResponseHeaders headers)
    {
        if (headers.TryGetValues("retry-after-ms", out var values) &&
            double.TryParse(values.FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(Math.Min(ms, MaxRetryAfter.TotalMilliseconds));
        }
        var retryAfter = headers.RetryAfter;
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait is { } hint ? TimeSpan.FromTicks(Math.Clamp(hint.Ticks, 0, MaxRetryAfter.Ticks)) : null;
    }

    internal static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;
}
