using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LlmProxy.Testing;

/// <summary>How the <see cref="ChaosUpstream"/> treats one request.</summary>
public enum Chaos
{
    /// <summary>A correct answer, JSON or a stream, on a connection kept alive.</summary>
    Answer,

    /// <summary>A correct answer, slowly: a stream with pauses of a fifth of a second between events, a JSON body after one second.</summary>
    SlowAnswer,

    /// <summary>The other kind of answer: a stream to a request for JSON, a JSON body to a request for a stream.</summary>
    WrongKind,

    /// <summary>An error status with an OpenAI error body: 500, 503, 429 (with Retry-After) or 400.</summary>
    Error,

    /// <summary>The connection reset (RST) as soon as the request is read.</summary>
    Reset,

    /// <summary>No answer at all, until the proxy gives up and closes the connection.</summary>
    StallBeforeHeaders,

    /// <summary>Headers (and a stream's first event), then nothing until the proxy gives up.</summary>
    StallAfterHeaders,

    /// <summary>Random bytes where the HTTP answer should be, then a close.</summary>
    Garbage,

    /// <summary>A correct answer sent one byte a second.</summary>
    Drip,

    /// <summary>Half of the answer, then a close: a JSON body shorter than its Content-Length, a stream cut inside an event.</summary>
    Truncated,
}

/// <summary>
/// An OpenAI-format upstream on raw sockets that misbehaves on purpose, each request drawn from a seeded mix of
/// <see cref="Chaos"/>: the faults a real network and a struggling provider produce, including the ones no HTTP
/// server library would send. It counts the requests it is still serving, so a test can check that none outlives
/// the client that caused it.
/// </summary>
public sealed class ChaosUpstream : IAsyncDisposable
{
    private static readonly (Chaos Kind, int Weight)[] Mix =
    [
        (Chaos.Answer, 45), (Chaos.SlowAnswer, 5), (Chaos.WrongKind, 5), (Chaos.Error, 10), (Chaos.Reset, 5), (Chaos.StallBeforeHeaders, 5),
        (Chaos.StallAfterHeaders, 5), (Chaos.Garbage, 5), (Chaos.Drip, 5), (Chaos.Truncated, 10),
    ];

    private const string Completion =
        """{"id":"chatcmpl-chaos","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"steady"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";

    private static readonly string[] StreamEvents =
    [
        """data: {"id":"chatcmpl-chaos","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}""",
        """data: {"id":"chatcmpl-chaos","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"steady"}}]}""",
        """data: {"id":"chatcmpl-chaos","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
        """data: {"id":"chatcmpl-chaos","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""",
        "data: [DONE]",
    ];

    private readonly Socket _listener;
    private readonly Random _random;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _active;
    private int _served;

    private ChaosUpstream(Socket listener, int seed)
    {
        _listener = listener;
        _random = new Random(seed);
        _accepting = AcceptAsync();
    }

    /// <summary><c>http://127.0.0.1:PORT/v1</c>, an OpenAI base URL.</summary>
    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}/v1");

    /// <summary>Requests read and not yet finished with: answered in full, or given up by the proxy.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Requests read so far.</summary>
    public int Served => Volatile.Read(ref _served);

    public static ChaosUpstream Start(int seed)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(512);
        return new ChaosUpstream(listener, seed);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        using (connection)
        {
            var pending = new List<byte>();
            while (await ReadRequestAsync(connection, pending) is { } stream)
            {
                Interlocked.Increment(ref _active);
                Interlocked.Increment(ref _served);
                bool keepAlive;
                try
                {
                    keepAlive = await AnswerAsync(connection, stream, Next());
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    keepAlive = false; // the proxy went away first
                }
                finally
                {
                    Interlocked.Decrement(ref _active);
                }
                if (!keepAlive)
                {
                    return;
                }
            }
        }
    }

    private Chaos Next()
    {
        var roll = Roll(Mix.Sum(entry => entry.Weight));
        foreach (var (kind, weight) in Mix)
        {
            if ((roll -= weight) < 0)
            {
                return kind;
            }
        }
        return Chaos.Answer;
    }

    private int Roll(int below)
    {
        lock (_random)
        {
            return _random.Next(below);
        }
    }

    // Reads one request (headers, then Content-Length bytes of body); null when the proxy closed the connection.
    // Returns whether the body asked for a stream.
    private async Task<bool?> ReadRequestAsync(Socket connection, List<byte> pending)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var text = Encoding.Latin1.GetString([.. pending]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var lengthLine = text[..end].Split("\r\n").FirstOrDefault(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim());
                if (pending.Count >= end + 4 + length)
                {
                    var body = Encoding.UTF8.GetString(pending.GetRange(end + 4, length).ToArray());
                    pending.RemoveRange(0, end + 4 + length);
                    return body.Contains("\"stream\":true", StringComparison.Ordinal);
                }
            }
            int read;
            try
            {
                read = await connection.ReceiveAsync(buffer, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                return null;
            }
            if (read == 0)
            {
                return null;
            }
            pending.AddRange(buffer.AsSpan(0, read));
        }
    }

    // Answers one request as the chaos says; true when the connection may carry another.
    private async Task<bool> AnswerAsync(Socket connection, bool stream, Chaos chaos)
    {
        var answer = Answer(stream);
        switch (chaos)
        {
            case Chaos.Answer:
                await SendAsync(connection, answer);
                return !stream; // a stream's end is the connection's
            case Chaos.WrongKind:
                await SendAsync(connection, Answer(!stream));
                return false;
            case Chaos.SlowAnswer when !stream:
                await Task.Delay(1000, _stop.Token);
                await SendAsync(connection, answer);
                return true;
            case Chaos.SlowAnswer:
                await SendAsync(connection, Header("200 OK", "text/event-stream", null));
                foreach (var sseEvent in StreamEvents)
                {
                    await Task.Delay(200, _stop.Token);
                    await SendAsync(connection, sseEvent + "\n\n");
                }
                return false;
            case Chaos.Error:
                var (status, retryAfter) = Roll(4) switch { 0 => ("500 Internal Server Error", ""), 1 => ("503 Service Unavailable", ""),
                    2 => ("429 Too Many Requests", "Retry-After: 1\r\n"), _ => ("400 Bad Request", "") };
                const string error = """{"error":{"message":"chaos","type":"server_error","param":null,"code":null}}""";
                await SendAsync(connection, Header(status, "application/json", error.Length, retryAfter) + error);
                return true;
            case Chaos.Reset:
                connection.LingerState = new LingerOption(true, 0);
                return false;
            case Chaos.StallBeforeHeaders:
                await WaitForCloseAsync(connection);
                return false;
            case Chaos.StallAfterHeaders:
                await SendAsync(connection, stream ? Header("200 OK", "text/event-stream", null) + StreamEvents[0] + "\n\n"
                    : Header("200 OK", "application/json", Completion.Length));
                await WaitForCloseAsync(connection);
                return false;
            case Chaos.Garbage:
                var garbage = new byte[1 + Roll(512)];
                lock (_random)
                {
                    _random.NextBytes(garbage);
                }
                await connection.SendAsync(garbage, _stop.Token);
                return false;
            case Chaos.Drip:
                foreach (var b in Encoding.UTF8.GetBytes(answer))
                {
                    await connection.SendAsync(new[] { b }, _stop.Token);
                    await Task.Delay(1000, _stop.Token);
                }
                return false;
            default:
                await SendAsync(connection, answer[..(answer.Length * 2 / 3)]);
                return false;
        }
    }

    private static string Answer(bool stream) => stream
        ? Header("200 OK", "text/event-stream", null) + string.Concat(StreamEvents.Select(e => e + "\n\n"))
        : Header("200 OK", "application/json", Encoding.UTF8.GetByteCount(Completion)) + Completion;

    private static string Header(string status, string contentType, int? length, string extra = "") =>
        $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\n{extra}" +
        (length is { } bytes ? $"Content-Length: {bytes}\r\n\r\n" : "Connection: close\r\n\r\n");

    private Task SendAsync(Socket connection, string text) => connection.SendAsync(Encoding.UTF8.GetBytes(text), _stop.Token).AsTask();

    // A stalled answer ends when the proxy closes the connection (or the upstream stops).
    private async Task WaitForCloseAsync(Socket connection)
    {
        var buffer = new byte[1024];
        while (await connection.ReceiveAsync(buffer, _stop.Token) > 0)
        {
        }
    }
}
