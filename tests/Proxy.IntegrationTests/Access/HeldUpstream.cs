using LlmProxy.Testing;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// The fake OpenAI API holding every chat completion until the test opens it, so a request is known to be in flight
/// (it has reached the upstream) for as long as the test needs, without a timer; once opened, it answers at once with
/// the fake's usual completion (19 tokens in, 10 out).
/// </summary>
internal sealed class HeldUpstream : IAsyncDisposable
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HeldUpstream(FakeOpenAI fake) => Fake = fake;

    public FakeOpenAI Fake { get; }

    public static async Task<HeldUpstream> StartAsync()
    {
        var held = new HeldUpstream(await FakeOpenAI.StartAsync());
        held.Fake.Override = held.AnswerAsync;
        return held;
    }

    /// <summary>Waits until <paramref name="count"/> requests have reached the upstream (and are held there).</summary>
    public async Task ArrivedAsync(int count)
    {
        for (var i = 0; i < 500 && Fake.Requests.Count < count; i++)
        {
            await Task.Delay(10);
        }
        Assert.True(Fake.Requests.Count >= count, $"{count} requests should have reached the upstream; {Fake.Requests.Count} did");
    }

    /// <summary>Lets the held requests, and every later one, be answered.</summary>
    public void Open() => _open.TrySetResult();

    private async Task AnswerAsync(HttpContext context, ReceivedRequest request)
    {
        await _open.Task.WaitAsync(context.RequestAborted);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(OpenAIStreamScript.Completion(request.Json.GetProperty("model").GetString()!, "held answer", null));
    }

    public ValueTask DisposeAsync()
    {
        Open();
        return Fake.DisposeAsync();
    }
}
