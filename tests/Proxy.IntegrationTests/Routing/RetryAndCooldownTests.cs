using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Routing;

/// <summary>Retries, fallback and cooldown over real sockets against fakes that fail the ways providers do.</summary>
public sealed class RetryAndCooldownTests
{
    private const string Body = """{"model":"gpt","messages":[{"role":"user","content":"hi"}]}""";

    private static StringContent Request(string body = Body) => new(body, Encoding.UTF8, "application/json");

    private static Task RateLimitedAsync(HttpContext context)
    {
        context.Response.Headers["retry-after-ms"] = "50";
        return FakeOpenAI.WriteErrorAsync(context, 429, """{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}""");
    }

    [Fact]
    public async Task RateLimitedOnce_RetriesTheSameDeploymentAfterRetryAfterAndSucceeds()
    {
        await using var upstream = await FakeOpenAI.StartAsync();
        var calls = 0;
        upstream.Override = async (context, request) =>
        {
            upstream.Override = null;
            Interlocked.Increment(ref calls);
            await RateLimitedAsync(context);
        };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith("""
            "routing": { "retries": 1 },
            """, "gpt", ProxyHost.OpenAIProvider(upstream)));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions", Request());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, upstream.Requests.Count);
        Assert.Equal("2", response.Headers.GetValues("x-llm-proxy-attempts").Single());
    }

    [Fact]
    public async Task ServerErrorThenHealthySecond_ClientSeesTheSecondsAnswer()
    {
        await using var failing = await FakeOpenAI.StartAsync();
        await using var healthy = await FakeOpenAI.StartAsync();
        failing.Override = (context, _) => FakeOpenAI.WriteErrorAsync(context, 500, """{"error":{"message":"oops","type":"server_error","param":null,"code":null}}""");
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("gpt", ProxyHost.OpenAIProvider(failing), ProxyHost.OpenAIProvider(healthy)));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions", Request());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("p1/upstream-model-1", response.Headers.GetValues("x-llm-proxy-deployment").Single());
    }

    // Found by a tester: retry-after-ms 1e300 overflowed into a 500 on every request, the fallback never tried.
    [Theory]
    [InlineData("retry-after-ms", "1e300")]
    [InlineData("retry-after-ms", "1e400")]
    [InlineData("Retry-After", "99999999")]
    public async Task RetryAfterOfYears_IsCappedAtAnHour_AndTheNextDeploymentAnswers(string header, string value)
    {
        await using var limited = await FakeOpenAI.StartAsync();
        await using var healthy = await FakeOpenAI.StartAsync();
        limited.Override = (context, _) =>
        {
            context.Response.Headers[header] = value;
            return FakeOpenAI.WriteErrorAsync(context, 429, """{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}""");
        };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith("""
            "routing": { "cooldownFailures": 1 },
            """, "gpt", ProxyHost.OpenAIProvider(limited), ProxyHost.OpenAIProvider(healthy)));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions", Request());
        var until = JsonDocument.Parse(await proxy.Client.GetStringAsync("/health")).RootElement.GetProperty("models")[0]
            .GetProperty("deployments")[0].GetProperty("coolingDownUntil").GetDateTimeOffset();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("p1/upstream-model-1", response.Headers.GetValues("x-llm-proxy-deployment").Single());
        Assert.InRange(until, DateTimeOffset.UtcNow.AddMinutes(59), DateTimeOffset.UtcNow.AddMinutes(61));
    }

    [Fact]
    public async Task DeadlinePassed_NoFurtherDeploymentIsTried()
    {
        await using var first = await FakeOpenAI.StartAsync();
        await using var second = await FakeOpenAI.StartAsync();
        await using var third = await FakeOpenAI.StartAsync();
        first.Override = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted);
        second.Override = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted);
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith("""
            "routing": { "timeoutMs": 1000, "deadlineMs": 1500 },
            """, "gpt", ProxyHost.OpenAIProvider(first), ProxyHost.OpenAIProvider(second), ProxyHost.OpenAIProvider(third)));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions", Request());

        // The second starts before the deadline (1 s in, half a second to spare); when it times out (2 s), the deadline has passed.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains("p1/upstream-model-1", message);
        Assert.DoesNotContain("p2/", message);
        Assert.Empty(third.Requests);
    }

    [Fact]
    public async Task BadRequest_IsNotRetriedElsewhere()
    {
        await using var first = await FakeOpenAI.StartAsync();
        await using var second = await FakeOpenAI.StartAsync();
        first.Override = (context, _) => FakeOpenAI.WriteErrorAsync(context, 400, """{"error":{"message":"Invalid 'messages'","type":"invalid_request_error","param":"messages","code":null}}""");
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("gpt", ProxyHost.OpenAIProvider(first), ProxyHost.OpenAIProvider(second)));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions", Request());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(second.Requests);
    }

    [Fact]
    public async Task EveryDeploymentFails_Is503SummarisingEachAttempt()
    {
        await using var limited = await FakeOpenAI.StartAsync();
        await using var hanging = await FakeOpenAI.StartAsync();
        limited.Override = (context, _) => RateLimitedAsync(context);
        hanging.Override = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted);
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith("""
            "routing": { "timeoutMs": 500 },
            """, "gpt", ProxyHost.OpenAIProvider(limited), ProxyHost.OpenAIProvider(hanging)));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions", Request());
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("p0/upstream-model-0: HTTP 429 Rate limit reached", message);
        Assert.Contains("p1/upstream-model-1: the provider did not finish answering within 500 ms", message);
        // The hung request was abandoned, not left running.
        await hanging.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task RepeatedFailures_CoolTheDeploymentDown_LaterRequestsSkipItAndHealthSaysSo()
    {
        await using var failing = await FakeOpenAI.StartAsync();
        await using var healthy = await FakeOpenAI.StartAsync();
        failing.Override = async (context, _) =>
        {
            await context.Response.Body.FlushAsync();
            context.Abort(); // a connection reset
        };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith("""
            "routing": { "cooldownFailures": 2, "cooldownMs": 60000 },
            """, "gpt", ProxyHost.OpenAIProvider(failing), ProxyHost.OpenAIProvider(healthy)));

        for (var i = 0; i < 4; i++)
        {
            using var response = await proxy.Client.PostAsync("/v1/chat/completions", Request());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(2, failing.Requests.Count); // two failures opened the breaker; the next two went straight to the healthy one
        Assert.Equal(4, healthy.Requests.Count);
        var health = JsonDocument.Parse(await proxy.Client.GetStringAsync("/health")).RootElement;
        var deployments = health.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == "gpt").GetProperty("deployments");
        Assert.Equal("cooling_down", deployments[0].GetProperty("state").GetString());
        Assert.True(deployments[0].TryGetProperty("coolingDownUntil", out _));
        Assert.Equal("healthy", deployments[1].GetProperty("state").GetString());
        Assert.DoesNotContain(FakeOpenAI.Key, health.GetRawText());
    }

    [Fact]
    public async Task OnlyDeploymentCoolingDown_IsStillTried()
    {
        await using var flaky = await FakeOpenAI.StartAsync();
        var failures = 2;
        flaky.Override = async (context, request) =>
        {
            if (Interlocked.Decrement(ref failures) >= 0)
            {
                await FakeOpenAI.WriteErrorAsync(context, 503, """{"error":{"message":"busy","type":"server_error","param":null,"code":null}}""");
                return;
            }
            flaky.Override = null;
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(OpenAIStreamScript.Completion("m", "back", null));
        };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith("""
            "routing": { "cooldownFailures": 2 },
            """, "gpt", ProxyHost.OpenAIProvider(flaky)));

        (await proxy.Client.PostAsync("/v1/chat/completions", Request())).Dispose();
        (await proxy.Client.PostAsync("/v1/chat/completions", Request())).Dispose();
        using var third = await proxy.Client.PostAsync("/v1/chat/completions", Request());

        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(3, flaky.Requests.Count);
    }
}
