using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>
/// SIGTERM with streams open, as systemd stops the service: streams that finish within server.drainTimeoutMs finish
/// whole, the rest end at the deadline with an error in their client's dialect, no new connection is taken after the
/// signal, and the exit code is 0.
/// </summary>
public sealed class DrainTests : IDisposable
{
    private const string Key = "sk-drain-test";
    private readonly string _folder = Directory.CreateTempSubdirectory("llm-proxy-drain-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Sigterm_FiftyOpenStreams_ThoseThatFinishInTheDrainCompleteWholeTheRestEndInDialectAndTheExitIsZero()
    {
        // At 20 words a second: 25 streams of 20 words (about a second) and 25 of 400 (20 s), with a 4 s drain.
        await using var binary = await PublishedBinary.StartAsync(Config(drainTimeoutMs: 4_000, tokensPerSecond: 20));
        using var http = Client(binary);
        var streams = Enumerable.Range(0, 50).Select(i => OpenStreamAsync(http, words: i % 2 == 0 ? 20 : 400)).ToArray();
        var readers = await Task.WhenAll(streams);

        var exit = binary.TerminateAsync();
        await Task.Delay(200);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(binary.Root));
        var bodies = (await Task.WhenAll(readers.Select(reader => reader.ReadToEndAsync()))).Select(body => body.Replace("\r", "")).ToArray();

        Assert.True(refused is SocketException or HttpRequestException, refused.ToString());
        for (var i = 0; i < bodies.Length; i++)
        {
            if (i % 2 == 0)
            {
                Assert.EndsWith("data: [DONE]\n\n", bodies[i]);
                Assert.Equal(20, bodies[i].Split("\"content\":\"").Length - 2); // a role chunk, then every word
            }
            else
            {
                Assert.DoesNotContain("[DONE]", bodies[i]);
                Assert.Matches("data: \\{\"error\":\\{[^\n]*\"code\":\"draining\"[^\n]*\\}\n\n$", bodies[i]);
            }
        }
        Assert.Equal(0, await exit);
    }

    [Fact]
    public async Task Sigterm_StreamsLongerThanTheDrain_EndAtItsDeadlineWithAnErrorEventInTheirDialectAndTheExitIsZero()
    {
        // 200 words at 20 a second: 10 s, far past the 500 ms drain.
        await using var binary = await PublishedBinary.StartAsync(Config(drainTimeoutMs: 500, tokensPerSecond: 20));
        using var http = Client(binary);
        var chat = await OpenStreamAsync(http, words: 200);
        var messages = await OpenStreamAsync(http, words: 200, path: "/v1/messages");
        var signalled = DateTime.UtcNow;

        var exit = binary.TerminateAsync();
        var chatBody = (await chat.ReadToEndAsync()).Replace("\r", "");
        var messagesBody = (await messages.ReadToEndAsync()).Replace("\r", "");

        // OpenAI's stream: an error object as the last data line, no [DONE]; Anthropic's: an error event.
        Assert.DoesNotContain("[DONE]", chatBody);
        Assert.Matches("data: \\{\"error\":\\{[^\n]*\"code\":\"draining\"[^\n]*\\}\n\n$", chatBody);
        Assert.Matches("event: error\ndata: \\{\"type\":\"error\",\"error\":\\{\"type\":\"overloaded_error\"[^\n]*drain[^\n]*\n\n$", messagesBody);
        Assert.DoesNotContain("message_stop", messagesBody);
        Assert.Equal(0, await exit);
        Assert.InRange((DateTime.UtcNow - signalled).TotalSeconds, 0.4, 8);
    }

    [Fact]
    public async Task Sigterm_RequestStillWaitingForItsProviderAtTheDeadline_Gets503DrainingInItsDialect()
    {
        await using var binary = await PublishedBinary.StartAsync(Config(drainTimeoutMs: 300, tokensPerSecond: 0, latencyMs: 30_000));
        using var http = Client(binary);
        var waiting = http.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"slow","messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"));
        // In flight, waiting for the provider's first byte, before the signal.
        using var scraper = new HttpClient { BaseAddress = binary.Root };
        while (!(await scraper.GetStringAsync("/metrics")).Contains("llm_proxy_requests_in_flight{otel_scope_name=\"llm_proxy\"} 1", StringComparison.Ordinal))
        {
            await Task.Delay(20);
        }

        var exit = binary.TerminateAsync();
        using var response = await waiting;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("\"code\":\"draining\"", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await exit);
    }

    private string Config(int drainTimeoutMs, int tokensPerSecond, int latencyMs = 0)
    {
        var path = Path.Combine(_folder, "proxy.json");
        File.WriteAllText(path, $$"""
            {
              "server": { "drainTimeoutMs": {{drainTimeoutMs}} },
              "storage": { "path": "{{Path.Combine(_folder, "proxy.db")}}" },
              "providers": { "slow": { "type": "mock", "tokensPerSecond": {{tokensPerSecond}}, "latencyMs": {{latencyMs}} } },
              "models": { "slow": [ { "provider": "slow", "model": "echo" } ] },
              "keys": [ { "key": "{{Key}}", "name": "drain" } ]
            }
            """);
        return path;
    }

    private static HttpClient Client(PublishedBinary binary)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 100 }) { BaseAddress = binary.Root, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return http;
    }

    // Returns once the stream's first event arrived: the request is in flight when the signal comes.
    private static async Task<StreamReader> OpenStreamAsync(HttpClient http, int words, string path = "/v1/chat/completions")
    {
        var prompt = string.Join(' ', Enumerable.Repeat("word", words));
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent($$"""{"model":"slow","stream":true,"max_tokens":1000,"messages":[{"role":"user","content":"{{prompt}}"}]}""", Encoding.UTF8, "application/json"),
        };
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync();
        var first = new byte[1];
        Assert.Equal(1, await stream.ReadAsync(first));
        return new StreamReader(new ConcatStream(first, stream));
    }

    private static async Task ConnectAsync(Uri root)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(root.Host, root.Port).WaitAsync(TimeSpan.FromSeconds(5));
        // Some kernels accept into a closed listener's backlog: a request must then get nothing back.
        await socket.SendAsync("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var buffer = new byte[64];
        if (await socket.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(5)) > 0)
        {
            throw new InvalidOperationException("the proxy answered a connection made after the signal");
        }
        throw new SocketException((int)SocketError.ConnectionReset);
    }

    /// <summary>The byte already read, then the rest of the stream.</summary>
    private sealed class ConcatStream(byte[] first, Stream rest) : Stream
    {
        private int _given;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_given < first.Length)
            {
                var n = Math.Min(buffer.Length, first.Length - _given);
                first.AsMemory(_given, n).CopyTo(buffer);
                _given += n;
                return n;
            }
            return await rest.ReadAsync(buffer, cancellationToken);
        }

        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
