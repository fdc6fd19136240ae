using System.Net;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.IntegrationTests.Admin;
using LlmProxy.Testing;
using LlmProxy.Usage;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// The usage ledger, as whoever bills or audits from it sees it: one record per request whatever its end, saying who
/// asked (key, team), in which dialect, what served it (provider, deployment model, attempts), how it ended (status,
/// error class, a client that left), and its tokens and exact cost; /admin/usage sums those records to the pico-dollar.
/// </summary>
public sealed class UsageLedgerTests : IAsyncLifetime
{
    private const string LimitedKey = "sk-test-limited";
    private const string UnlimitedKey = "sk-test-unlimited";

    // Anthropic's own example prices for Sonnet, per million tokens.
    private const decimal InputPerMTok = 3m, OutputPerMTok = 15m, CacheReadPerMTok = 0.3m, CacheWritePerMTok = 3.75m;

    private FakeOpenAI _openAI = null!;
    private FakeOpenAI _failing = null!;
    private FakeAnthropic _anthropic = null!;
    private AdminApi _admin = null!;

    private ProxyHost Proxy => _admin.Proxy;

    public async Task InitializeAsync()
    {
        _openAI = await FakeOpenAI.StartAsync();
        _failing = await FakeOpenAI.StartAsync();
        _failing.Override = (context, _) => FakeOpenAI.WriteErrorAsync(context, 500,
            """{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}""");
        _anthropic = await FakeAnthropic.StartAsync();
        _admin = await AdminApi.StartAsync($$"""
            {
              "admin": { "masterKey": "{{AdminApi.MasterKey}}" },
              "providers": {
                "local": { "type": "mock" },
                "oai": {{ProxyHost.OpenAIProvider(_openAI)}},
                "bad": {{ProxyHost.OpenAIProvider(_failing)}},
                "claude": {{ProxyHost.AnthropicProvider(_anthropic)}}
              },
              "models": {
                "echo": [ { "provider": "local", "model": "echo" } ],
                "gpt": [ { "provider": "oai", "model": "gpt-4o-mini" } ],
                "broken": [ { "provider": "bad", "model": "gpt-4o", "retries": 0 } ],
                "claude": [ { "provider": "claude", "model": "claude-sonnet-4-5",
                              "price": { "inputPerMTok": {{InputPerMTok}}, "outputPerMTok": {{OutputPerMTok}}, "cacheReadPerMTok": {{CacheReadPerMTok}}, "cacheWritePerMTok": {{CacheWritePerMTok}} } } ]
              },
              "keys": [
                { "key": "{{ProxyHost.ClientKey}}", "name": "test", "tpm": 1000000 },
                { "key": "{{LimitedKey}}", "name": "limited", "rpm": 1, "models": ["echo"] },
                { "key": "{{UnlimitedKey}}", "name": "unlimited" }
              ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _openAI.DisposeAsync();
        await _failing.DisposeAsync();
        await _anthropic.DisposeAsync();
    }

    [Fact]
    public async Task EveryEnd_IsOneRecordSayingWhoWhatAndHowItEnded()
    {
        var team = await _admin.CreateTeamAsync("""{"name":"billing"}""");
        var (storedId, stored) = await _admin.CreateKeyAsync($$"""{"name":"member","team":"{{team}}"}""");
        var records = new List<UsageRecord>();

        async Task<UsageRecord> SendAsync(string path, string json, string key, HttpStatusCode expected)
        {
            var answer = await AccessCalls.PostAsync(Proxy, path, json, key);
            Assert.True(answer.Status == expected, $"{path} {json}: expected {(int)expected}, got {(int)answer.Status} {answer.Text}");
            var all = await AccessCalls.RecordsAsync(Proxy, records.Count + 1);
            records.Add(all[records.Count]);
            return records[^1];
        }

        var served = await SendAsync(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", "one two three"), stored, HttpStatusCode.OK);
        var badBody = await SendAsync(AccessCalls.Messages, """{"model":"echo","max_tokens":""", ProxyHost.ClientKey, HttpStatusCode.BadRequest);
        var forbidden = await SendAsync(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "gpt"), LimitedKey, HttpStatusCode.Forbidden);
        await SendAsync(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo"), LimitedKey, HttpStatusCode.OK);
        var limited = await SendAsync(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo"), LimitedKey, HttpStatusCode.TooManyRequests);
        var failed = await SendAsync(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "broken"), ProxyHost.ClientKey, HttpStatusCode.BadGateway);
        var responses = await SendAsync(AccessCalls.Responses, AccessCalls.Body(AccessCalls.Responses, "echo", "four five"), ProxyHost.ClientKey, HttpStatusCode.OK);
        var translated = await SendAsync(AccessCalls.Messages, AccessCalls.Body(AccessCalls.Messages, "gpt"), ProxyHost.ClientKey, HttpStatusCode.OK);

        // Served: the stored key, its team, the mock's words in and out.
        Assert.Equal((storedId, "member", team), (served.KeyId, served.KeyName, served.TeamId));
        Assert.Equal(("echo", "local", "echo", "chat.completions"), (served.Model, served.Provider, served.DeploymentModel, served.Dialect));
        Assert.Equal((200, null, 1), (served.Status, served.ErrorClass, served.Attempts));
        Assert.Equal(new TokenUsage(3, 3), served.Tokens);
        Assert.False(served.Estimated || served.ClientDisconnected || served.Stream);

        // A body that is not JSON: no model, no provider tried, still one record for the key that sent it.
        Assert.Equal(("cfg-test", "test", null), (badBody.KeyId, badBody.KeyName, badBody.TeamId));
        Assert.Equal(("messages", 400, 0), (badBody.Dialect, badBody.Status, badBody.Attempts));
        Assert.NotNull(badBody.ErrorClass);
        Assert.Null(badBody.Provider);

        Assert.Equal(("cfg-limited", "gpt", 403, "model_not_allowed", 0), (forbidden.KeyId, forbidden.Model, forbidden.Status, forbidden.ErrorClass, forbidden.Attempts));
        Assert.Null(forbidden.Provider);
        Assert.Equal(("cfg-limited", 429, "rate_limit_exceeded", 0), (limited.KeyId, limited.Status, limited.ErrorClass, limited.Attempts));
        Assert.Equal(default, limited.Tokens);

        // A provider that failed: it was tried (provider, model, one attempt, retries 0) and billed nothing.
        Assert.Equal(("bad", "gpt-4o", 502, "upstream_error", 1), (failed.Provider, failed.DeploymentModel, failed.Status, failed.ErrorClass, failed.Attempts));
        Assert.Equal((0L, 0L), (failed.Tokens.TotalTokens, failed.CostPicoUsd));

        Assert.Equal(("responses", 200, "local"), (responses.Dialect, responses.Status, responses.Provider));
        Assert.Equal(new TokenUsage(2, 2), responses.Tokens);

        // An Anthropic client served by OpenAI through translation: the provider's own usage (19 in, 3 of them cached; 10 out, 4 reasoning).
        Assert.Equal(("messages", "oai", "gpt-4o-mini", 200), (translated.Dialect, translated.Provider, translated.DeploymentModel, translated.Status));
        Assert.Equal(new TokenUsage(19, 10, CachedInputTokens: 3, ReasoningTokens: 4), translated.Tokens);

        await AccessCalls.WaitForLedgerAsync(Proxy, records.Count);
        Assert.Equal(records, Proxy.Usage); // one each, nothing more
    }

    [Theory]
    [InlineData(ProxyHost.ClientKey)]
    [InlineData(UnlimitedKey)]
    public async Task ClientDisconnectsMidStream_RecordedAsDisconnectedWithItsInputAndRelayedOutputEstimated(string key)
    {
        _openAI.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream; charset=utf-8";
            foreach (var chunk in OpenAIStreamScript.Chunks(FakeOpenAIFlavor.OpenAI, "gpt-4o-mini", "Hello there", null, includeUsage: true).Take(2))
            {
                await context.Response.WriteAsync("data: " + chunk + "\n\n");
                await context.Response.Body.FlushAsync();
            }
            // The rest, and the usage chunk, never come: the client leaves first.
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        };
        using (var request = AccessCalls.Request(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "gpt", "tell me a long story", stream: true), key))
        using (var response = await Proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            while (await reader.ReadLineAsync() is { } line && !line.Contains("Hello", StringComparison.Ordinal))
            {
            }
        }
        await _openAI.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the provider request was cut too

        var record = Assert.Single(await AccessCalls.RecordsAsync(Proxy, 1));

        Assert.True(record.ClientDisconnected, "the record must say the client left, or the half answer reads as a served one");
        Assert.True(record.Estimated, "the provider never reported usage, so the tokens are the proxy's estimate and must be flagged so");
        Assert.True(record.Stream);
        Assert.Equal(("gpt", "oai", "gpt-4o-mini", 200, 1), (record.Model, record.Provider, record.DeploymentModel, record.Status, record.Attempts));
        // Billed the prompt the provider has read (estimated: about 4 characters a token over the body's strings, here
        // "gpt", "user" and the prompt), and the output it relayed: one chunk with content, a token (the first only opened
        // the message). Whether the key has a tokens limit or a budget has nothing to do with what the provider read.
        Assert.True(record.Tokens.InputTokens == 7, $"the estimated input is billed, whatever the key's limits: {record.Tokens}");
        Assert.Equal(1, record.Tokens.OutputTokens);
    }

    [Fact]
    public async Task AnthropicClientDisconnectsMidStream_OutputRelayedSinceMessageStartIsBilled()
    {
        // message_start reports the input and 1 output token; the real count comes with message_delta, which never does.
        // Billing only what message_start said let a client that always leaves before the end stream answers for free.
        _anthropic.Override = (context, _) => StreamThenHangAsync(context, deltas: 5);
        using (var request = AccessCalls.Request(AccessCalls.Messages, AccessCalls.Body(AccessCalls.Messages, "claude", "tell me a long story", stream: true)))
        using (var response = await Proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            var deltas = 0;
            while (deltas < 5 && await reader.ReadLineAsync() is { } line)
            {
                deltas += line.StartsWith("event: content_block_delta", StringComparison.Ordinal) ? 1 : 0;
            }
        }
        await _anthropic.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var record = Assert.Single(await AccessCalls.RecordsAsync(Proxy, 1));

        Assert.True(record.ClientDisconnected && record.Estimated, record.ToString());
        // Input as message_start reported it (12 + 30 cache reads + 5 cache writes); output: the five deltas relayed, a token each.
        Assert.Equal(new TokenUsage(47, 5, CachedInputTokens: 30, CacheWriteTokens: 5), record.Tokens);
        Assert.Equal(PicoUsd(12 * InputPerMTok + 30 * CacheReadPerMTok + 5 * CacheWritePerMTok + 5 * OutputPerMTok), record.CostPicoUsd);
    }

    [Fact]
    public async Task TranslatedStreamCutByTheClient_OutputRelayedIsBilledAtFourBytesAToken()
    {
        // An OpenAI client served by Claude through translation: 40 bytes of text relayed, then the client leaves.
        _anthropic.Override = (context, _) => StreamThenHangAsync(context, deltas: 4);
        using (var request = AccessCalls.Request(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "claude", "tell me a long story", stream: true)))
        using (var response = await Proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            var text = "";
            while (text.Length < 40 && await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("data: {", StringComparison.Ordinal)
                    && JsonDocument.Parse(line[6..]).RootElement.GetProperty("choices") is { ValueKind: JsonValueKind.Array } choices
                    && choices.GetArrayLength() > 0 && choices[0].GetProperty("delta").TryGetProperty("content", out var content))
                {
                    text += content.GetString();
                }
            }
        }
        await _anthropic.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var record = Assert.Single(await AccessCalls.RecordsAsync(Proxy, 1));

        Assert.True(record.ClientDisconnected && record.Estimated, record.ToString());
        Assert.Equal(10, record.Tokens.OutputTokens); // 40 bytes of text at four a token
    }

    [Fact]
    public async Task NonStreamClientLeavesBeforeAnyAnswer_Recorded499DisconnectedWithItsPromptEstimated()
    {
        _anthropic.Override = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        using (var leaving = new CancellationTokenSource())
        {
            var sent = Proxy.Client.SendAsync(AccessCalls.Request(AccessCalls.Messages, AccessCalls.Body(AccessCalls.Messages, "claude", "tell me a long story")),
                leaving.Token);
            while (_anthropic.Requests.Count == 0)
            {
                await Task.Delay(10); // the provider has the prompt
            }
            await leaving.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sent);
        }
        await _anthropic.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var record = Assert.Single(await AccessCalls.RecordsAsync(Proxy, 1));

        Assert.Equal(499, record.Status);
        Assert.True(record.ClientDisconnected && record.Estimated && record.Tokens.InputTokens > 0, record.ToString());
    }

    // Claude's stream up to some text deltas of "Once upon " (10 bytes each), then nothing until the caller leaves.
    private static async Task StreamThenHangAsync(HttpContext context, int deltas)
    {
        context.Response.ContentType = "text/event-stream";
        await AnthropicStreamScript.Event(context, "message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":"""
            + AnthropicStreamScript.StartUsageJson + "}}");
        await AnthropicStreamScript.Event(context, "content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
        for (var i = 0; i < deltas; i++)
        {
            await AnthropicStreamScript.Event(context, "content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Once upon "}}""");
        }
        await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private static long PicoUsd(decimal usdPerMTokTimesTokens) => (long)(usdPerMTokTimesTokens * 1_000_000m);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ProviderReportsNoUsage_ServedAnswerIsRecordedWithItsInputEstimatedAndFlagged(bool stream)
    {
        // An OpenAI-compatible server that ignores stream_options.include_usage, and leaves usage out of its body.
        _openAI.Override = async (context, _) =>
        {
            if (stream)
            {
                context.Response.ContentType = "text/event-stream; charset=utf-8";
                await context.Response.WriteAsync(OpenAIStreamScript.Stream(FakeOpenAIFlavor.OpenAI, "gpt-4o-mini", "Hello there", null, includeUsage: false));
                return;
            }
            var body = WithoutUsage(OpenAIStreamScript.Completion("gpt-4o-mini", "Hello there", null));
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        };

        var answer = await AccessCalls.PostAsync(Proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "gpt", "tell me a long story", stream: stream));
        var record = Assert.Single(await AccessCalls.RecordsAsync(Proxy, 1));

        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        Assert.Contains("Hello", answer.Text);
        Assert.False(record.ClientDisconnected);
        // Served, but the provider said nothing of its usage: a record of 0 tokens, not flagged, reads as a free answer.
        Assert.True(record.Estimated, $"no usage from the provider: the tokens must be the proxy's estimate, flagged so: {record}");
        Assert.True(record.Tokens.InputTokens > 0, $"the prompt the provider read is billed (estimated): {record.Tokens}");
    }

    private static string WithoutUsage(string json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node.Remove("usage");
        return node.ToJsonString();
    }

    [Theory]
    [InlineData(AccessCalls.Messages)]
    [InlineData(AccessCalls.Chat)]
    public async Task ClientDisconnectsAfterTheProviderReportedItsInput_IsBilledTheProvidersInputNotAnEstimate(string path)
    {
        _anthropic.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream; charset=utf-8";
            // message_start carries the input usage (12 uncached, 5 cache writes, 30 cache reads); then one word, then nothing.
            await AnthropicStreamScript.Event(context, "message_start",
                $$$"""{"type":"message_start","message":{"id":"{{{AnthropicStreamScript.Id}}}","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{{{AnthropicStreamScript.StartUsageJson}}}}}""");
            await AnthropicStreamScript.Event(context, "content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
            await AnthropicStreamScript.Event(context, "content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}""");
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        };
        using (var request = AccessCalls.Request(path, AccessCalls.Body(path, "claude", "tell me a long story", stream: true)))
        using (var response = await Proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            while (await reader.ReadLineAsync() is { } line && !line.Contains("Hello", StringComparison.Ordinal))
            {
            }
        }
        await _anthropic.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var record = Assert.Single(await AccessCalls.RecordsAsync(Proxy, 1));

        Assert.True(record.ClientDisconnected);
        // The provider said what it read, cache reads and writes included: that is billed, at their own prices, rather
        // than a guess from the body's length that knows nothing of the cache.
        Assert.True(record.Tokens.InputTokens == 47 && record.Tokens.CachedInputTokens == 30 && record.Tokens.CacheWriteTokens == 5,
            $"the input the provider reported in message_start is billed: {record.Tokens}, estimated {record.Estimated}");
    }

    [Fact]
    public async Task AnthropicCacheTokens_CostsEqualTheHandComputedPriceAndAdminUsageSumsThemExactly()
    {
        // The fake's usage: input_tokens (uncached), cache writes and cache reads as message_start reports them, and
        // the final output_tokens of message_delta (9).
        var start = JsonDocument.Parse(AnthropicStreamScript.StartUsageJson).RootElement;
        var (uncached, cacheWrite, cacheRead, output) = (start.GetProperty("input_tokens").GetInt64(), start.GetProperty("cache_creation_input_tokens").GetInt64(),
            start.GetProperty("cache_read_input_tokens").GetInt64(), 9L);
        var costUsd = (uncached * InputPerMTok + cacheRead * CacheReadPerMTok + cacheWrite * CacheWritePerMTok + output * OutputPerMTok) / 1_000_000m;
        var costPico = (long)(costUsd * 1_000_000_000_000m);
        Assert.Equal(198_750_000L, costPico); // 36 + 9 + 18.75 + 135 micro-USD: the sum the test relies on, worked out once by hand

        var passedThrough = await AccessCalls.PostAsync(Proxy, AccessCalls.Messages, AccessCalls.Body(AccessCalls.Messages, "claude"));
        var translatedStream = await AccessCalls.PostAsync(Proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "claude", stream: true));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (passedThrough.Status, translatedStream.Status));
        var records = await AccessCalls.RecordsAsync(Proxy, 2);

        foreach (var record in records)
        {
            Assert.Equal(new TokenUsage(uncached + cacheWrite + cacheRead, output, CachedInputTokens: cacheRead, CacheWriteTokens: cacheWrite), record.Tokens);
            Assert.True(costPico == record.CostPicoUsd, $"{record.Dialect}: cache reads and writes are priced at their own rates: {record.CostPicoUsd} pico-USD, expected {costPico}");
        }
        Assert.Equal(["chat.completions", "messages"], records.Select(r => r.Dialect).Order());
        await AccessCalls.WaitForLedgerAsync(Proxy, 2);

        var json = await _admin.GetAsync("/admin/usage?group_by=model");
        var csv = await _admin.GetAsync("/admin/usage?group_by=model&format=csv");

        var row = Assert.Single(json.Json.GetProperty("data").EnumerateArray());
        Assert.Equal("claude", row.GetProperty("group").GetString());
        Assert.Equal(2, row.GetProperty("requests").GetInt64());
        Assert.Equal(2 * (uncached + cacheWrite + cacheRead), row.GetProperty("input_tokens").GetInt64());
        Assert.Equal(2 * cacheRead, row.GetProperty("cached_input_tokens").GetInt64());
        Assert.Equal(2 * cacheWrite, row.GetProperty("cache_write_tokens").GetInt64());
        Assert.Equal(2 * output, row.GetProperty("output_tokens").GetInt64());
        Assert.Equal((2 * costUsd).ToString(System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0'), row.GetProperty("cost_usd").GetRawText());
        Assert.Equal("group,requests,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,reasoning_tokens,cost_usd\r\n" +
            $"claude,2,{2 * (uncached + cacheWrite + cacheRead)},{2 * cacheRead},{2 * cacheWrite},{2 * output},0,0.0003975\r\n", csv.Text);
    }
}
