using System.ClientModel;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;
using Microsoft.AspNetCore.Http;
using OpenAI.Responses;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIResponses;

/// <summary>Background responses: queued at once, run apart from their request, polled, resumed after a dropped stream, cancelled.</summary>
public sealed class ResponsesBackgroundTests() : ProxiedAnthropicTestBase("claude")
{
    private ResponsesClient Client => ResponsesHost.For(Proxy);

    [Fact]
    public async Task Create_Background_QueuedAtOnceThenCompletesForPolling()
    {
        var created = (await Client.CreateResponseAsync(new CreateResponseOptions("claude", [ResponseItem.CreateUserMessageItem("Say hello")]) { BackgroundModeEnabled = true })).Value;

        Assert.True(created.BackgroundModeEnabled);
        Assert.Contains(created.Status, new ResponseStatus?[] { ResponseStatus.Queued, ResponseStatus.InProgress });
        var done = await PollAsync(created.Id, ResponseStatus.Completed);
        Assert.Equal("Hello from the fake Claude", done.GetOutputText());
        Assert.True(done.BackgroundModeEnabled);
    }

    [Fact]
    public async Task Stream_BackgroundDroppedMidway_ResumesWithStartingAfterAndTheWholeStreamAddsUp()
    {
        Upstream.Override = SlowWordsAsync;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = new StringContent("""{"model":"claude","input":"Say hello","background":true,"stream":true}""", Encoding.UTF8, "application/json"),
        };
        var first = new StringBuilder();
        string id;
        int lastSeen;
        using (var response = await Proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            // Read up to the first text delta, then drop the connection.
            while (await reader.ReadLineAsync() is { } line)
            {
                first.Append(line).Append('\n');
                if (line.StartsWith("data:", StringComparison.Ordinal) && line.Contains("response.output_text.delta", StringComparison.Ordinal))
                {
                    first.Append('\n');
                    break;
                }
            }
        }
        var seen = SseEvents.Parse(first.ToString());
        id = seen[0].Json.GetProperty("response").GetProperty("id").GetString()!;
        lastSeen = seen[^1].Json.GetProperty("sequence_number").GetInt32();

        using var resume = await Proxy.Client.GetAsync($"/v1/responses/{id}?stream=true&starting_after={lastSeen}");
        var rest = await resume.Content.ReadAsStringAsync();

        Assert.Equal("text/event-stream", resume.Content.Headers.ContentType!.MediaType);
        var whole = SseEvents.ParseResponses(first + rest); // sequence numbers run on without a gap or a repeat
        var final = whole[^1].Json.GetProperty("response");
        Assert.Equal("completed", final.GetProperty("status").GetString());
        Assert.Equal("Hello from the fake Claude", final.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());

        // After the run, the same replay comes from the store.
        using var replay = await Proxy.Client.GetAsync($"/v1/responses/{id}?stream=true&starting_after={lastSeen}");
        Assert.Equal(rest, await replay.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cancel_RunningBackground_AbortsTheProviderRequestAndStoresCancelled()
    {
        Upstream.Override = HangAsync;
        var created = (await Client.CreateResponseAsync(new CreateResponseOptions("claude", [ResponseItem.CreateUserMessageItem("Think long")]) { BackgroundModeEnabled = true })).Value;
        Assert.True(await Eventually.HoldsAsync(() => Upstream.Requests.Count > 0));

        ResponseResult cancelled = await Client.CancelResponseAsync(created.Id);

        Assert.Equal(ResponseStatus.Cancelled, cancelled.Status);
        await Upstream.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(5)); // the provider request was aborted, not left billing
        Assert.Equal(ResponseStatus.Cancelled, (await Client.GetResponseAsync(created.Id)).Value.Status);
        Assert.Equal(ResponseStatus.Cancelled, (await Client.CancelResponseAsync(created.Id)).Value.Status); // again: answered as it is
    }

    [Fact]
    public async Task Cancel_StreamedBackground_FollowersAndReplaysEndOnATerminalEventSayingCancelled()
    {
        Upstream.Override = SlowWordsAsync;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = new StringContent("""{"model":"claude","input":"Say hello","background":true,"stream":true}""", Encoding.UTF8, "application/json"),
        };
        using var response = await Proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            seen.Append(line).Append('\n');
            if (line.Contains("response.output_text.delta", StringComparison.Ordinal) && line.StartsWith("data:", StringComparison.Ordinal))
            {
                break;
            }
        }
        var id = SseEvents.Parse(seen + "\n")[0].Json.GetProperty("response").GetProperty("id").GetString()!;

        await Client.CancelResponseAsync(id);
        var followed = SseEvents.Parse(seen + await reader.ReadToEndAsync());

        Assert.Equal("response.incomplete", followed[^1].Event);
        Assert.Equal("cancelled", followed[^1].Json.GetProperty("response").GetProperty("status").GetString());
        Assert.Equal(followed.Count - 1, followed[^1].Json.GetProperty("sequence_number").GetInt32());
        using var replay = await Proxy.Client.GetAsync($"/v1/responses/{id}?stream=true");
        Assert.Equal("response.incomplete", SseEvents.Parse(await replay.Content.ReadAsStringAsync())[^1].Event);
    }

    [Fact]
    public async Task Cancel_NotBackgroundOrNotOwned_400Or404()
    {
        var plain = (await Client.CreateResponseAsync("claude", "Say hello")).Value;

        var notBackground = await Assert.ThrowsAsync<ClientResultException>(() => Client.CancelResponseAsync(plain.Id));
        Assert.Equal(400, notBackground.Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => Client.CancelResponseAsync("resp_unknown"))).Status);
    }

    [Fact]
    public async Task Create_BackgroundQueued_EchoesTheModelAndParametersSent()
    {
        Upstream.Override = HangAsync;
        using var response = await Proxy.Client.PostAsync("/v1/responses",
            new StringContent("""{"model":"claude","input":"x","background":true,"temperature":0.25,"metadata":{"run":"7"}}""", Encoding.UTF8, "application/json"));
        var queued = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(("queued", "claude", 0.25, "7"), (queued.GetProperty("status").GetString(), queued.GetProperty("model").GetString(),
            queued.GetProperty("temperature").GetDouble(), queued.GetProperty("metadata").GetProperty("run").GetString()));
        await Client.CancelResponseAsync(queued.GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task Create_BackgroundMalformed_400NamingTheParameterNotAQueuedRunThatFails()
    {
        using var response = await Proxy.Client.PostAsync("/v1/responses",
            new StringContent("""{"model":"claude","input":[{"role":"robot","content":"x"}],"background":true}""", Encoding.UTF8, "application/json"));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("input[0].role", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Delete_RunningBackground_StopsItAndStaysDeleted()
    {
        Upstream.Override = HangAsync;
        var created = (await Client.CreateResponseAsync(new CreateResponseOptions("claude", [ResponseItem.CreateUserMessageItem("x")]) { BackgroundModeEnabled = true })).Value;
        Assert.True(await Eventually.HoldsAsync(() => Upstream.Requests.Count > 0));

        Assert.True((await Client.DeleteResponseAsync(created.Id)).Value.Deleted);

        await Upstream.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(100);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => Client.GetResponseAsync(created.Id))).Status);
    }

    [Fact]
    public async Task PreviousResponseId_StillRunning_400RatherThanAConversationWithoutItsAnswer()
    {
        Upstream.Override = HangAsync;
        var running = (await Client.CreateResponseAsync(new CreateResponseOptions("claude", [ResponseItem.CreateUserMessageItem("x")]) { BackgroundModeEnabled = true })).Value;

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client.CreateResponseAsync("claude", "And then?", running.Id));

        Assert.Equal(400, error.Status);
        Assert.Contains("previous_response_in_progress", error.Message);
        await Client.CancelResponseAsync(running.Id);
    }

    [Fact]
    public async Task Create_BackgroundWithAHostedTool_400NamingItAtOnce()
    {
        using var response = await Proxy.Client.PostAsync("/v1/responses",
            new StringContent("""{"model":"claude","input":"x","background":true,"tools":[{"type":"web_search"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("tools[0]", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Cancel_BackgroundLeftRunningByAStoppedProcess_StoredCancelled()
    {
        // What a crash leaves: a background row in_progress that no run in this process will finish.
        var owner = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(ProxyHost.ClientKey)));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var store = (LlmProxy.Storage.IResponseStore)Proxy.Services.GetService(typeof(LlmProxy.Storage.IResponseStore))!;
        await store.SaveAsync(new LlmProxy.Storage.StoredResponse("resp_orphan", owner, now, now + 3600, "in_progress", null,
            Encoding.UTF8.GetBytes("""{"id":"resp_orphan","object":"response","status":"in_progress","background":true,"output":[]}"""), "[]"u8.ToArray()), default);

        var cancelled = (await Client.CancelResponseAsync("resp_orphan")).Value;

        Assert.Equal(ResponseStatus.Cancelled, cancelled.Status);
        Assert.Equal(ResponseStatus.Cancelled, (await Client.GetResponseAsync("resp_orphan")).Value.Status);
    }

    [Fact]
    public async Task Create_BackgroundWithoutStore_400NamesBackground()
    {
        using var response = await Proxy.Client.PostAsync("/v1/responses",
            new StringContent("""{"model":"claude","input":"x","background":true,"store":false}""", Encoding.UTF8, "application/json"));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("background", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Run_EveryDeploymentFails_StoredFailedWithTheError()
    {
        Upstream.Override = (context, _) => FakeAnthropic.WriteErrorAsync(context, 400, "invalid_request_error", "prompt is too long");

        var created = (await Client.CreateResponseAsync(new CreateResponseOptions("claude", [ResponseItem.CreateUserMessageItem("x")]) { BackgroundModeEnabled = true })).Value;
        var failed = await PollAsync(created.Id, ResponseStatus.Failed);

        Assert.Contains("prompt is too long", failed.Error.Message);
    }

    private async Task<ResponseResult> PollAsync(string id, ResponseStatus until)
    {
        for (var i = 0; i < 200; i++)
        {
            var current = (await Client.GetResponseAsync(id)).Value;
            if (current.Status == until)
            {
                return current;
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"{id} never became {until}");
    }

    // The normal answer, a word every 50 ms: long enough for a client to drop its stream midway.
    private static async Task SlowWordsAsync(HttpContext context, ReceivedRequest request)
    {
        context.Response.ContentType = "text/event-stream";
        await AnthropicStreamScript.Event(context, "message_start", $$$$"""{"type":"message_start","message":{"id":"{{{{AnthropicStreamScript.Id}}}}","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}""");
        await AnthropicStreamScript.Event(context, "content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
        foreach (var word in new[] { "Hello", " from", " the", " fake", " Claude" })
        {
            await AnthropicStreamScript.Event(context, "content_block_delta", $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"{{{word}}}"}}""");
            await Task.Delay(50);
        }
        await AnthropicStreamScript.Event(context, "content_block_stop", """{"type":"content_block_stop","index":0}""");
        await AnthropicStreamScript.Event(context, "message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}""");
        await AnthropicStreamScript.Event(context, "message_stop", """{"type":"message_stop"}""");
    }

    private static async Task HangAsync(HttpContext context, ReceivedRequest request)
    {
        context.Response.ContentType = "text/event-stream";
        await AnthropicStreamScript.Event(context, "message_start", $$$$"""{"type":"message_start","message":{"id":"{{{{AnthropicStreamScript.Id}}}}","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}""");
        await Task.Delay(Timeout.Infinite, context.RequestAborted);
    }
}
