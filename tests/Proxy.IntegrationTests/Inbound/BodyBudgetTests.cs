using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound;

/// <summary>
/// server.maxBufferedBodyBytes bounds the request bodies held at once: an upload that announced most of the budget
/// holds it, a second one waits a moment and is refused with 503 and Retry-After in its dialect, and once the first
/// is gone the budget serves again.
/// </summary>
public sealed class BodyBudgetTests : IAsyncLifetime
{
    private const int Budget = 64 * 1024;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith(
        $$"""
        "server": { "maxBodyBytes": {{Budget}}, "maxBufferedBodyBytes": {{Budget}} },
        """, "mocked", """{ "type": "mock" }"""));

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Theory]
    [InlineData("/v1/chat/completions", "openai")]
    [InlineData("/v1/messages", "anthropic")]
    public async Task Request_WhileAnUploadHoldsTheBudget_Is503WithRetryAfterThenServedOnceItIsGone(string path, string dialect)
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await holder.ConnectAsync(_proxy.Root.Host, _proxy.Root.Port);
        await holder.SendAsync(Encoding.ASCII.GetBytes(
            $"POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {ProxyHost.ClientKey}\r\n" +
            $"Content-Type: application/json\r\nContent-Length: {Budget - 10}\r\n\r\n{{\"model\":\"echo\","));

        // Until the proxy has read the holder's headers, requests are served; then they wait and are refused.
        var refused = await PostAsync(path);
        for (var i = 0; i < 100 && refused.StatusCode == HttpStatusCode.OK; i++)
        {
            refused.Dispose();
            await Task.Delay(20);
            refused = await PostAsync(path);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        if (dialect == "anthropic")
        {
            Assert.Equal("error", error.GetProperty("type").GetString());
        }
        Assert.Contains("maxBufferedBodyBytes", error.GetProperty("error").GetProperty("message").GetString());

        refused.Dispose();
        holder.Close();
        using var served = await PostAsync(path);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task Budget_UploadThatAnnouncesMuchButSendsLittle_HoldsOnlyWhatItSent()
    {
        // Found in review: the budget was taken as announced, so a client announcing the whole budget and trickling
        // (Kestrel lets 240 bytes a second through) refused everyone else for hours.
        const int large = 4 * 1024 * 1024;
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith($$"""
            "server": { "maxBodyBytes": {{large}}, "maxBufferedBodyBytes": {{large}} },
            """, "mocked", """{ "type": "mock" }"""));
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await holder.ConnectAsync(proxy.Root.Host, proxy.Root.Port);
        await holder.SendAsync(Encoding.ASCII.GetBytes(
            $"POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {ProxyHost.ClientKey}\r\n" +
            $"Content-Type: application/json\r\nContent-Length: {large - 10}\r\n\r\n{{\"model\":\"echo\","));
        await Task.Delay(200);

        using (var served = await PostAsync(proxy))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        // Once it has sent nearly all it announced, it holds nearly all the budget.
        await holder.SendAsync(Encoding.ASCII.GetBytes("\"x\":\"" + new string('a', large - 200)));
        var refused = await PostAsync(proxy);
        for (var i = 0; i < 100 && refused.StatusCode == HttpStatusCode.OK; i++)
        {
            refused.Dispose();
            await Task.Delay(20);
            refused = await PostAsync(proxy);
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        refused.Dispose();
    }

    private Task<HttpResponseMessage> PostAsync(string path) => PostAsync(_proxy, path);

    private static async Task<HttpResponseMessage> PostAsync(ProxyHost proxy, string path = "/v1/chat/completions")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("""{"model":"echo","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("anthropic-version", "2023-06-01");
        return await proxy.Client.SendAsync(request);
    }
}
