using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound;

/// <summary>
/// A client's transport faults are the client's: answered 400 (408 for a stalled upload) in its dialect's shape, never
/// a 500 from the proxy. Raw sockets, because HTTP clients refuse to send such requests.
/// </summary>
public sealed class ClientTransportFaultTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHost.StartAsync(ProxyHost.Config("mocked", """{ "type": "mock" }"""));

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    public static TheoryData<string, string> Paths => new()
    {
        { "/v1/chat/completions", "openai" },
        { "/v1/messages", "anthropic" },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task InvalidChunkSize_Is400InTheClientsDialect(string path, string dialect)
    {
        var (status, body) = await SendRawAsync(path, "Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n", closeAfterSending: false);

        Assert.Equal(400, status);
        AssertDialect(dialect, body);
    }

    [Fact]
    public async Task BodyShorterThanItsContentLengthThenClosed_IsAHangUpAndTheProxyKeepsServing()
    {
        var (status, _) = await SendRawAsync("/v1/chat/completions", "Content-Length: 200\r\n", "{\"model\":\"echo\"", closeAfterSending: true);

        Assert.Equal(0, status); // nobody is left to answer, as for any client that hangs up
        Assert.True((await _proxy.Client.GetAsync("/health")).IsSuccessStatusCode);
    }

    [Fact]
    public async Task UploadThatStallsMidway_Is408InTheClientsDialect()
    {
        // Kestrel's minimum body data rate (240 bytes/s after a 5 s grace period) decides when an upload has stalled;
        // both stalls, a chunked upload and a Content-Length larger than what came, run at once.
        var chunked = SendRawAsync("/v1/chat/completions", "Transfer-Encoding: chunked\r\n", "10\r\n{\"model\":\"echo\",\r\n", closeAfterSending: false);
        var shortBody = SendRawAsync("/v1/messages", "Content-Length: 200\r\n", "{\"model\":\"echo\"", closeAfterSending: false);

        foreach (var (stalled, dialect) in new[] { (await chunked, "openai"), (await shortBody, "anthropic") })
        {
            Assert.Equal(408, stalled.Status);
            AssertDialect(dialect, stalled.Body, "arrived too slowly");
            // The client's fault, typed as one (a tester found server_error / api_error here).
            Assert.Contains("invalid_request_error", stalled.Body);
        }
    }

    private static void AssertDialect(string dialect, string body, string reason = "could not be read")
    {
        var error = JsonDocument.Parse(body).RootElement;
        if (dialect == "anthropic")
        {
            Assert.Equal("error", error.GetProperty("type").GetString());
        }
        Assert.Contains(reason, error.GetProperty("error").GetProperty("message").GetString());
    }

    private async Task<(int Status, string Body)> SendRawAsync(string path, string framing, string payload, bool closeAfterSending)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_proxy.Root.Host, _proxy.Root.Port);
        var request = $"POST {path} HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {ProxyHost.ClientKey}\r\nanthropic-version: 2023-06-01\r\n" +
            $"Content-Type: application/json\r\n{framing}\r\n{payload}";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        if (closeAfterSending)
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            // The server may reset the connection after answering a request it could not read whole.
        }
        var text = Encoding.UTF8.GetString(received.ToArray());
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headerEnd < 0)
        {
            Assert.Empty(text); // no answer at all, or a whole one
            return (0, "");
        }
        var headers = text[..headerEnd];
        var body = text[(headerEnd + 4)..];
        return (int.Parse(headers.Split(' ')[1]), headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase) ? Dechunk(body) : body);
    }

    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..lineEnd], 16);
            if (size == 0)
            {
                return body.ToString();
            }
            body.Append(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
}
