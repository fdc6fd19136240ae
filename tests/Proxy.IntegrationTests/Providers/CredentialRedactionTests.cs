using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Providers;

/// <summary>
/// A provider that echoes the credentials it was given in its error message (found by a tester: "Incorrect API key
/// provided: Bearer sk-...") does not hand the operator's key to the client or the log: it is replaced by [redacted].
/// </summary>
public sealed class CredentialRedactionTests
{
    private static Task EchoAsync(HttpContext context, int status, string header)
    {
        var echoed = context.Request.Headers[header].ToString();
        return FakeOpenAI.WriteErrorAsync(context, status,
            "{\"type\":\"error\",\"error\":{\"message\":\"Incorrect API key provided: " + echoed +
            "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
    }

    public static TheoryData<string, int> Cases() => new()
    {
        { "openai", 400 }, { "openai", 401 }, { "azure", 400 }, { "anthropic", 400 }, { "anthropic", 403 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ProviderError_EchoingTheProxysKey_ReachesTheClientRedacted(string type, int status)
    {
        await using var openAI = await FakeOpenAI.StartAsync(type == "azure" ? FakeOpenAIFlavor.Azure : FakeOpenAIFlavor.OpenAI);
        await using var anthropic = await FakeAnthropic.StartAsync();
        openAI.Override = (context, _) => EchoAsync(context, status, type == "azure" ? "api-key" : "Authorization");
        anthropic.Override = (context, _) => EchoAsync(context, status, "x-api-key");
        var (provider, key) = type switch
        {
            "openai" => (ProxyHost.OpenAIProvider(openAI), FakeOpenAI.Key),
            "azure" => (ProxyHost.AzureProvider(openAI), FakeOpenAI.Key),
            _ => (ProxyHost.AnthropicProvider(anthropic), FakeAnthropic.Key),
        };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("m", provider));

        using var response = await proxy.Client.PostAsync(type == "anthropic" ? "/v1/messages" : "/v1/chat/completions", new StringContent(
            """{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(key, body);
        Assert.Contains("[redacted]", body);
    }
}
