using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// Background responses on two instances sharing PostgreSQL and Redis: a run started on A is followed, resumed, cancelled
/// and deleted through B as through A, and only by the key that made it.
/// </summary>
public sealed class SharedBackgroundResponsesTests : IAsyncLifetime
{
    // 40 words at 20 a second: a run of about two seconds, long enough to join midway.
    private static readonly string Words = string.Join(' ', Enumerable.Range(1, 40).Select(i => $"w{i}"));

    // 400 words: a run that would take 20 s, so one that ends sooner was stopped.
    private static readonly string ManyWords = string.Join(' ', Enumerable.Range(1, 400).Select(i => $"w{i}"));

    private SharedPair _pair = null!;

    public async Task InitializeAsync() => _pair = await SharedPair.StartAsync();

    public async Task DisposeAsync() => await _pair.DisposeAsync();

    [Fact]
    public async Task Stream_StartedOnAFollowedAndResumedOnB_SameEventsAsAsOwnStream()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = Json($$"""{"model":"slow","input":"{{Words}}","background":true,"stream":true}""") };
        using var started = await _pair.A.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await started.Content.ReadAsStreamAsync());
        var head = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            head.Append(line).Append('\n');
            if (line.StartsWith("data:", StringComparison.Ordinal) && line.Contains("response.output_text.delta", StringComparison.Ordinal))
            {
                head.Append('\n');
                await reader.ReadLineAsync(); // the blank line that ends the event
                break;
            }
        }
        var seen = SseEvents.Parse(head.ToString());
        var id = seen[0].Json.GetProperty("response").GetProperty("id").GetString()!;
        var lastSeen = seen[^1].Json.GetProperty("sequence_number").GetInt32();

        var statusOnB = await StatusAsync(_pair.B, id);
        var followed = _pair.B.Client.GetStringAsync($"/v1/responses/{id}?stream=true");
        var resumed = _pair.B.Client.GetStringAsync($"/v1/responses/{id}?stream=true&starting_after={lastSeen}");
        var own = head + await reader.ReadToEndAsync();

        Assert.Equal("in_progress", statusOnB); // B joined while the run was going, so it followed through Redis, not the store
        var events = RawEvents(own);
        Assert.Contains("event: response.completed", events[^1]);
        Assert.Equal(own, await followed);
        Assert.Equal(string.Concat(events.Skip(lastSeen + 1)), await resumed);
    }

    // Found with the OpenAI SDK: the error event of a follower that lost Redis took the run's next sequence number, so
    // resuming after it skipped a real event.
    [Fact]
    public async Task Follow_RedisLostMidRunOnB_ErrorEventNumberedAsTheLastEventSentSoResumingMissesNothing()
    {
        var id = await StartAsync(_pair.A, ManyWords);
        using var follow = await _pair.B.Client.GetAsync($"/v1/responses/{id}?stream=true", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await follow.Content.ReadAsStreamAsync());
        var text = new System.Text.StringBuilder();
        while (text.ToString().Split("\n\n").Length < 6) // a few events through Redis
        {
            text.Append(await reader.ReadLineAsync()).Append('\n');
        }

        _pair.Redis.Stop();
        text.Append(await reader.ReadToEndAsync());

        var events = SseEvents.Parse(text.ToString());
        Assert.Equal("error", events[^1].Event);
        Assert.Equal("service_unavailable", events[^1].Json.GetProperty("code").GetString());
        var last = events[^2].Json.GetProperty("sequence_number").GetInt32();
        Assert.Equal(last, events[^1].Json.GetProperty("sequence_number").GetInt32());
        Assert.Contains($"starting_after={last}", events[^1].Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Cancel_RunningOnAThroughB_StoredCancelledAndStaysSoOnBoth()
    {
        var id = await StartAsync(_pair.A, ManyWords);
        Assert.True(await Eventually.HoldsAsync(async () => await StatusAsync(_pair.B, id) == "in_progress"));

        var clock = Stopwatch.StartNew();
        using var cancel = await _pair.B.Client.PostAsync($"/v1/responses/{id}/cancel", null);
        var answered = clock.Elapsed;

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", JsonDocument.Parse(await cancel.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        Assert.True(answered < TimeSpan.FromSeconds(5), $"the run on A must stop at B's request, not be waited out ({answered})");
        Assert.True(await Eventually.HoldsAsync(async () => !await RunRegisteredAsync(id)), "A's run must end");
        Assert.Equal("cancelled", await StatusAsync(_pair.A, id)); // A's run ended after storing cancelled: nothing overwrote it
        Assert.Equal("cancelled", await StatusAsync(_pair.B, id));
        var replay = SseEvents.Parse(await _pair.B.Client.GetStringAsync($"/v1/responses/{id}?stream=true"));
        Assert.Equal("response.incomplete", replay[^1].Event);
    }

    [Fact]
    public async Task Delete_RunningOnAThroughB_StaysDeletedOnBoth()
    {
        var id = await StartAsync(_pair.A, ManyWords);
        Assert.True(await Eventually.HoldsAsync(async () => await StatusAsync(_pair.B, id) == "in_progress"));

        using var deleted = await _pair.B.Client.DeleteAsync($"/v1/responses/{id}");

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => !await RunRegisteredAsync(id)), "A's run must end");
        Assert.Equal(HttpStatusCode.NotFound, (await _pair.A.Client.GetAsync($"/v1/responses/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _pair.B.Client.GetAsync($"/v1/responses/{id}")).StatusCode);
    }

    [Fact]
    public async Task AnotherKey_RunOnAAskedOfB_404ForEveryRouteAndTheRunGoesOn()
    {
        var id = await StartAsync(_pair.A, Words);
        Assert.True(await Eventually.HoldsAsync(async () => await StatusAsync(_pair.B, id) == "in_progress"));

        var answers = new[]
        {
            await AsOtherAsync(HttpMethod.Get, $"/v1/responses/{id}"),
            await AsOtherAsync(HttpMethod.Get, $"/v1/responses/{id}?stream=true"),
            await AsOtherAsync(HttpMethod.Post, $"/v1/responses/{id}/cancel"),
            await AsOtherAsync(HttpMethod.Delete, $"/v1/responses/{id}"),
        };

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.NotFound, status));
        Assert.True(await Eventually.HoldsAsync(async () => await StatusAsync(_pair.A, id) == "completed"), "another key's cancel or delete must not stop the run");
    }

    [Fact]
    public async Task RedisDown_RunOnA_RunsOnAWhileBRefusesToFollowOrCancelItAndNeverHangs()
    {
        _pair.Redis.Stop();
        var clock = Stopwatch.StartNew();
        var id = await StartAsync(_pair.A, Words);
        var started = clock.Elapsed;

        using var followOnB = await _pair.B.Client.GetAsync($"/v1/responses/{id}?stream=true");
        using var cancelOnB = await _pair.B.Client.PostAsync($"/v1/responses/{id}/cancel", null);
        var own = SseEvents.Parse(await _pair.A.Client.GetStringAsync($"/v1/responses/{id}?stream=true"));

        Assert.True(started < TimeSpan.FromSeconds(3), $"a run must start at once without Redis ({started})");
        Assert.Equal(HttpStatusCode.BadRequest, followOnB.StatusCode); // what B answered before Redis shared runs: not a 500, not a hang
        // B cannot tell whether another instance runs it: a cancel now would be undone by the run, so it is refused, not faked.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, cancelOnB.StatusCode);
        Assert.Contains("\"service_unavailable\"", await cancelOnB.Content.ReadAsStringAsync());
        Assert.Equal("response.completed", own[^1].Event);
        using var replayOnB = await _pair.B.Client.GetAsync($"/v1/responses/{id}?stream=true");
        Assert.Equal(HttpStatusCode.OK, replayOnB.StatusCode);
    }

    private async Task<HttpStatusCode> AsOtherAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new("Bearer", SharedPair.OtherKey);
        using var answer = await _pair.B.Client.SendAsync(request);
        return answer.StatusCode;
    }

    private static async Task<string> StartAsync(ProxyHost proxy, string input)
    {
        using var answer = await proxy.Client.PostAsync("/v1/responses", Json($$"""{"model":"slow","input":"{{input}}","background":true}"""));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<string?> StatusAsync(ProxyHost proxy, string id) =>
        JsonDocument.Parse(await proxy.Client.GetStringAsync($"/v1/responses/{id}")).RootElement.GetProperty("status").GetString();

    // Whether an instance still has the run registered: it unregisters after storing the run's end.
    private async Task<bool> RunRegisteredAsync(string id) =>
        await _pair.A.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase().KeyExistsAsync($"{SharedPair.KeyPrefix}responses:{id}:run");

    // Each whole server-sent event with its closing blank line, as sent.
    private static List<string> RawEvents(string body)
    {
        var events = new List<string>();
        for (var at = 0; at < body.Length;)
        {
            var end = body.IndexOf("\n\n", at, StringComparison.Ordinal);
            events.Add(body[at..(end + 2)]);
            at = end + 2;
        }
        return events;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
