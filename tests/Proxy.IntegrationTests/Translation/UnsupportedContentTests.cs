using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Translation;

/// <summary>
/// Content a provider can carry reaches it in its own shape; a part it cannot carry is refused with a 400 that names
/// the part and the provider, after any other deployment that can carry it was tried; nothing is dropped silently.
/// </summary>
public sealed class UnsupportedContentTests : IAsyncLifetime
{
    private const string Pdf = "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==";
    private MatrixUpstream _upstream = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await MatrixUpstream.StartAsync();
        var root = _upstream.BaseUrl.ToString().TrimEnd('/');
        _proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": {
                "oai": { "type": "openai", "baseUrl": "{{root}}/v1", "apiKey": "k" },
                "claude": { "type": "anthropic", "baseUrl": "{{root}}", "apiKey": "k" },
                "gem": { "type": "gemini", "baseUrl": "{{root}}", "apiKey": "k" },
                "br": { "type": "bedrock", "baseUrl": "{{root}}", "region": "us-east-1", "accessKeyId": "AKIDEXAMPLE", "secretAccessKey": "s" }
              },
              "models": {
                "to-openai": [ { "provider": "oai", "model": "scenario-text" } ],
                "to-claude": [ { "provider": "claude", "model": "scenario-text" } ],
                "to-gemini": [ { "provider": "gem", "model": "scenario-text" } ],
                "to-bedrock": [ { "provider": "br", "model": "anthropic.claude-scenario-text-v1:0" } ],
                "gemini-then-openai": [ { "provider": "gem", "model": "scenario-text" }, { "provider": "oai", "model": "scenario-text" } ]
              },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "t" } ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static string ImageByUrl(string model) => $$$"""
        {"model":"{{{model}}}","max_tokens":50,"messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
         {"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}}]}]}
        """;

    [Theory]
    [InlineData("to-gemini", "gem", "gemini")]
    [InlineData("to-bedrock", "br", "bedrock")]
    public async Task AnthropicClient_ImageByUrlToAProviderThatTakesOnlyBytes_Is400NamingThePartAndTheProvider(string model, string provider, string type)
    {
        var (status, error) = await SendAsync("/v1/messages", ImageByUrl(model));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        var message = error.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("messages[0].content[1] (an image by URL)", message);
        Assert.Contains($"provider '{provider}' (type {type})", message);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task RefusedContent_RepeatedLikeAClientMistake_LeavesTheDeploymentHealthy()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync("/v1/messages", ImageByUrl("to-gemini"))).Status);
        }

        var health = JsonDocument.Parse(await _proxy.Client.GetStringAsync("/health")).RootElement;
        var gemini = health.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == "to-gemini").GetProperty("deployments")[0];
        Assert.Equal(("healthy", 0), (gemini.GetProperty("state").GetString(), gemini.GetProperty("inFlight").GetInt32()));
    }

    [Fact]
    public async Task AnthropicClient_ImageByUrl_GoesToTheNextDeploymentThatCanCarryIt()
    {
        var (status, answer) = await SendAsync("/v1/messages", ImageByUrl("gemini-then-openai"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Hello there, traveller.", answer.GetProperty("content")[0].GetProperty("text").GetString());
        var sent = Assert.Single(_upstream.Requests);
        Assert.Contains("\"url\":\"https://example.com/cat.png\"", sent.BodyText);
    }

    [Theory]
    [InlineData("to-openai")]
    [InlineData("to-gemini")]
    [InlineData("to-bedrock")]
    public async Task AnthropicClient_ServerTool_Is400NamingTheTool(string model)
    {
        var (status, error) = await SendAsync("/v1/messages", $$"""
            {"model":"{{model}}","max_tokens":50,"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3}],
             "messages":[{"role":"user","content":"News?"}]}
            """);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("tools[0] (server tool web_search_20250305)", error.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task OpenAIClient_FileFromOpenAIsFileStore_Is400NamingThePartForOtherProviders()
    {
        var (status, error) = await SendAsync("/v1/chat/completions", """
            {"model":"to-claude","messages":[{"role":"user","content":[{"type":"text","text":"Summarise"},{"type":"file","file":{"file_id":"file-abc"}}]}]}
            """);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var problem = error.GetProperty("error");
        Assert.Equal(("messages[0].content[1]", "unsupported_content"), (problem.GetProperty("param").GetString(), problem.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task OpenAIClient_Audio_ReachesGeminiInlineAndIsRefusedByClaude()
    {
        const string body = """
            {"model":"MODEL","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRiQAAABXQVZF","format":"wav"}}]}]}
            """;

        var (geminiStatus, _) = await SendAsync("/v1/chat/completions", body.Replace("MODEL", "to-gemini"));
        var (claudeStatus, claudeError) = await SendAsync("/v1/chat/completions", body.Replace("MODEL", "to-claude"));

        Assert.Equal(HttpStatusCode.OK, geminiStatus);
        Assert.Contains("\"inlineData\":{\"mimeType\":\"audio/wav\",\"data\":\"UklGRiQAAABXQVZF\"}", Assert.Single(_upstream.Requests).BodyText);
        Assert.Equal(HttpStatusCode.BadRequest, claudeStatus);
        Assert.Contains("Claude takes no audio input", claudeError.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("to-openai", "\"type\":\"file\",\"file\":{\"filename\":\"report.pdf\",\"file_data\":\"data:application/pdf;base64," + Pdf)]
    [InlineData("to-gemini", "\"inlineData\":{\"mimeType\":\"application/pdf\",\"data\":\"" + Pdf)]
    [InlineData("to-bedrock", "\"document\":{\"format\":\"pdf\",\"name\":\"report pdf\",\"source\":{\"bytes\":\"" + Pdf)]
    public async Task AnthropicClient_PdfDocument_ReachesEachProviderInItsOwnShape(string model, string expected)
    {
        var (status, _) = await SendAsync("/v1/messages", $$"""
            {"model":"{{model}}","max_tokens":50,"messages":[{"role":"user","content":[
              {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"{{Pdf}}"},"title":"report.pdf"},
              {"type":"text","text":"Summarise it."}]}]}
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(expected, Assert.Single(_upstream.Requests).BodyText);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (path.StartsWith("/v1/messages", StringComparison.Ordinal))
        {
            request.Headers.Add("anthropic-version", "2023-06-01");
        }
        using var response = await _proxy.Client.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }
}
