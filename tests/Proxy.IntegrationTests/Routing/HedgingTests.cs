using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using OpenAI.Chat;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Routing;

/// <summary>hedgeAfterMs: a second deployment starts when the first is slow to send content; the first to send wins and the loser is aborted.</summary>
public sealed class HedgingTests
{
    private static Task<ProxyHost> StartProxyAsync(FakeOpenAI first, FakeOpenAI second, int hedgeAfterMs = 200) => ProxyHost.StartAsync($$"""
        {
          "providers": { "p0": {{ProxyHost.OpenAIProvider(first)}}, "p1": {{ProxyHost.OpenAIProvider(second)}} },
          "models": { "gpt": { "strategy": "ordered", "hedgeAfterMs": {{hedgeAfterMs}},
                               "deployments": [ { "provider": "p0", "model": "slow" }, { "provider": "p1", "model": "fast" } ] } },
          "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ]
        }
        """);

    // Headers at once, then nothing: a provider thinking for a long time before its first token.
    private static async Task StallAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.Body.FlushAsync();
        await Task.Delay(Timeout.Infinite, context.RequestAborted);
    }

    [Fact]
    public async Task FirstSlowToContent_SecondAnswersAndTheFirstIsAborted()
    {
        await using var slow = await FakeOpenAI.StartAsync();
        await using var fast = await FakeOpenAI.StartAsync();
        slow.Override = (context, _) => StallAsync(context);
        await using var proxy = await StartProxyAsync(slow, fast);
        var text = new StringBuilder();

        await foreach (var update in OpenAIClientFactory.Chat(proxy, "gpt").CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal("Hello from the fake upstream", text.ToString());
        Assert.Single(fast.Requests);
        // The loser's provider request is cancelled, not left running and billing.
        await slow.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task FirstSlowToRespond_NonStreamAnswerComesFromTheSecondWithItsHeaders()
    {
        await using var slow = await FakeOpenAI.StartAsync();
        await using var fast = await FakeOpenAI.StartAsync();
        slow.Override = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted);
        await using var proxy = await StartProxyAsync(slow, fast);

        using var response = await proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"gpt","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("p1/fast", response.Headers.GetValues("x-llm-proxy-deployment").Single());
        Assert.Equal("2", response.Headers.GetValues("x-llm-proxy-attempts").Single());
        await slow.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task FirstFastEnough_SecondIsNeverCalled()
    {
        await using var first = await FakeOpenAI.StartAsync();
        await using var second = await FakeOpenAI.StartAsync();
        await using var proxy = await StartProxyAsync(first, second, hedgeAfterMs: 5000);

        using var response = await proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"gpt","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("p0/slow", response.Headers.GetValues("x-llm-proxy-deployment").Single());
        Assert.Empty(second.Requests);
    }

    [Fact]
    public async Task BothFailBeforeContent_IsA503ListingBoth()
    {
        await using var first = await FakeOpenAI.StartAsync();
        await using var second = await FakeOpenAI.StartAsync();
        first.Override = async (context, _) =>
        {
            await Task.Delay(400);
            await FakeOpenAI.WriteErrorAsync(context, 500, """{"error":{"message":"first down","type":"server_error","param":null,"code":null}}""");
        };
        second.Override = (context, _) => FakeOpenAI.WriteErrorAsync(context, 503, """{"error":{"message":"second down","type":"server_error","param":null,"code":null}}""");
        await using var proxy = await StartProxyAsync(first, second);

        using var response = await proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"gpt","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("first down", body);
        Assert.Contains("second down", body);
    }
}
