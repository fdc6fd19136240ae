using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound.OpenAICompletions;

/// <summary><c>POST /v1/completions</c> to an OpenAI-format provider: passed through, model rewritten, usage read on the side.</summary>
public sealed class CompletionsPassThroughTests() : ProxiedUpstreamTestBase("instruct")
{
    [Fact]
    public async Task Completions_NonStream_ProvidersAnswerWithModelRewrittenUpstream()
    {
        var response = await PostAsync("""{"model":"instruct","prompt":"Say hi","max_tokens":16,"suffix":"!"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("text_completion", answer.RootElement.GetProperty("object").GetString());
        Assert.Equal(FakeOpenAICompletions.Id, answer.RootElement.GetProperty("id").GetString());
        Assert.Equal("Hello from the fake upstream", answer.RootElement.GetProperty("choices")[0].GetProperty("text").GetString());
        var sent = Assert.Single(Upstream.Requests);
        Assert.Equal("/v1/completions", sent.PathAndQuery);
        Assert.Equal("upstream-model-0", sent.Json.GetProperty("model").GetString());
        Assert.Equal("!", sent.Json.GetProperty("suffix").GetString()); // the provider's own parameters reach it
        var record = await Proxy.WaitForUsageAsync();
        Assert.Equal("completions", record.Dialect);
        Assert.Equal(5, record.Tokens.InputTokens);
        Assert.Equal(7, record.Tokens.OutputTokens);
    }

    [Fact]
    public async Task Completions_StreamWithoutUsage_ProxyAsksForUsageButTheClientDoesNotSeeIt()
    {
        var response = await PostAsync("""{"model":"instruct","prompt":"Say hi","stream":true}""");

        var events = SseText.DataOf(await response.Content.ReadAsStringAsync());
        Assert.Equal("Hello from the fake upstream", string.Concat(events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0].GetProperty("text").GetString())));
        Assert.DoesNotContain(events, e => e.Contains("\"usage\"", StringComparison.Ordinal));
        Assert.Equal("[DONE]", events[^1]);
        Assert.True(Assert.Single(Upstream.Requests).Json.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(12, (await Proxy.WaitForUsageAsync()).Tokens.TotalTokens);
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        Proxy.Client.PostAsync("/v1/completions", new StringContent(json, Encoding.UTF8, "application/json"));
}
