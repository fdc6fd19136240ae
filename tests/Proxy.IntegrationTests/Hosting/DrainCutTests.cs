using System.Text;
using LlmProxy.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>
/// A provider stream still running when the drain time runs out is cut at the proxy and ends, for the client, with an
/// error event in its own dialect: on the pass-through path (OpenAI to OpenAI) and the translated one (Anthropic to OpenAI).
/// </summary>
public sealed class DrainCutTests : IAsyncLifetime
{
    private FakeOpenAI _upstream = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAI.StartAsync();
        // One content chunk, then silence until the proxy hangs up.
        _upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync($$"""
                data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}


                """.Replace("\r", ""));
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
        };
        _proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith("""
            "server": { "drainTimeoutMs": 200 },
            """, "gpt", ProxyHost.OpenAIProvider(_upstream)));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [InlineData("/v1/chat/completions", "data: {\"error\":{", "\"code\":\"draining\"")]
    [InlineData("/v1/messages", "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"", "drainTimeoutMs")]
    public async Task Stream_RunningWhenTheDrainTimeRunsOut_EndsWithAnErrorEventInItsDialect(string path, string eventStart, string detail)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("""{"model":"gpt","stream":true,"max_tokens":100,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        using var response = await _proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.NotNull(await reader.ReadLineAsync()); // the stream is open and has content

        _proxy.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var rest = (await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20))).Replace("\r", "");

        var lastEvent = rest.TrimEnd('\n')[(rest.TrimEnd('\n').LastIndexOf("\n\n", StringComparison.Ordinal) + 2)..];
        Assert.StartsWith(eventStart, lastEvent);
        Assert.Contains(detail, lastEvent);
        Assert.DoesNotContain("[DONE]", rest);
    }

    [Fact]
    public async Task Request_WaitingToRetryWhenTheDrainTimeRunsOut_Gets503DrainingAtOnce()
    {
        await using var failing = await FakeOpenAI.StartAsync();
        failing.Override = (context, _) => FakeOpenAI.WriteErrorAsync(context, 500,
            """{"error":{"message":"The server had an error.","type":"server_error","param":null,"code":null}}""");
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith("""
            "server": { "drainTimeoutMs": 100 },
            "routing": { "retries": 2, "retryBaseDelayMs": 20000, "retryMaxDelayMs": 20000, "deadlineMs": 600000 },
            """, "gpt", ProxyHost.OpenAIProvider(failing)));
        var answer = proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"gpt","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        while (failing.Requests.Count == 0)
        {
            await Task.Delay(10); // the first attempt failed: the request now waits 20 s to retry
        }

        proxy.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        using var response = await answer.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("\"code\":\"draining\"", await response.Content.ReadAsStringAsync());
        Assert.Single(failing.Requests);
    }
}
