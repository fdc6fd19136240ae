using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmProxy.IntegrationTests.Admin;
using LlmProxy.Testing;
using LlmProxy.Usage;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// Requests as a client sends them to each dialect's route with a given key, and waits for what the proxy does just
/// after an answer's last byte (its usage record, the ledger's write), polled rather than raced.
/// </summary>
internal static class AccessCalls
{
    public const string Chat = "/v1/chat/completions";
    public const string Messages = "/v1/messages";
    public const string Responses = "/v1/responses";

    /// <summary>The three routes a chat request can take.</summary>
    public static TheoryData<string> Paths => new() { Chat, Messages, Responses };

    /// <summary>The three routes a chat request can take, with the dialect name the ledger gives each.</summary>
    public static TheoryData<string, string> Dialects => new()
    {
        { Chat, "chat.completions" },
        { Messages, "messages" },
        { Responses, "responses" },
    };

    /// <summary>The smallest valid request of the route's dialect; <paramref name="maxTokens"/> in the dialect's own field.</summary>
    public static string Body(string path, string model, string text = "hi", int? maxTokens = null, bool stream = false)
    {
        var streamField = stream ? ",\"stream\":true" : "";
        return path switch
        {
            Messages => $$"""{"model":"{{model}}","max_tokens":{{maxTokens ?? 64}},"messages":[{"role":"user","content":"{{text}}"}]{{streamField}}}""",
            Responses => $$"""{"model":"{{model}}","input":"{{text}}"{{(maxTokens is { } m ? $",\"max_output_tokens\":{m}" : "")}}{{streamField}}}""",
            _ => $$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{text}}"}]{{(maxTokens is { } n ? $",\"max_tokens\":{n}" : "")}}{{streamField}}}""",
        };
    }

    public static HttpRequestMessage Request(string path, string json, string key = ProxyHost.ClientKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (path.StartsWith(Messages, StringComparison.Ordinal))
        {
            request.Headers.Add("anthropic-version", "2023-06-01");
        }
        return request;
    }

    /// <summary>Sends <paramref name="json"/> to <paramref name="path"/> with <paramref name="key"/> and reads the whole answer (a stream too).</summary>
    public static async Task<AdminApi.Answer> PostAsync(ProxyHost proxy, string path, string json, string key = ProxyHost.ClientKey)
    {
        using var request = Request(path, json, key);
        using var response = await proxy.Client.SendAsync(request);
        return await AdminApi.Answer.ReadAsync(response);
    }

    public static Task<AdminApi.Answer> ChatAsync(ProxyHost proxy, string key, string model = "echo") => PostAsync(proxy, Chat, Body(Chat, model), key);

    public static async Task<AdminApi.Answer> GetAsync(ProxyHost proxy, string path, string key = ProxyHost.ClientKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await proxy.Client.SendAsync(request);
        return await AdminApi.Answer.ReadAsync(response);
    }

    /// <summary>The one header value, or null.</summary>
    public static string? Header(this AdminApi.Answer answer, string name) =>
        answer.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    /// <summary>Waits until the proxy has reported at least <paramref name="count"/> usage records (each request's lands just after its answer).</summary>
    public static async Task<IReadOnlyList<UsageRecord>> RecordsAsync(ProxyHost proxy, int count)
    {
        for (var i = 0; i < 500 && proxy.Usage.Count < count; i++)
        {
            await Task.Delay(10);
        }
        var records = proxy.Usage;
        Assert.True(records.Count >= count, $"every request ends in a usage record: expected {count}, the proxy reported {records.Count}");
        return records;
    }

    /// <summary>
    /// Polls <c>/health</c> until the ledger has written <paramref name="written"/> records and has none queued: only
    /// then are they in the database (for a restart, or for /admin/usage).
    /// </summary>
    public static async Task WaitForLedgerAsync(ProxyHost proxy, long written)
    {
        JsonElement usage = default;
        for (var i = 0; i < 500; i++)
        {
            using var health = await proxy.Client.GetAsync("/health");
            usage = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("usage");
            if (usage.GetProperty("queued").GetInt64() == 0 && usage.GetProperty("written").GetInt64() >= written)
            {
                Assert.Equal(written, usage.GetProperty("written").GetInt64());
                return;
            }
            await Task.Delay(10);
        }
        Assert.Fail($"the ledger should have written {written} records with none queued; /health says {usage}");
    }
}
