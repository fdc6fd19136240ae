using System.Collections.Concurrent;
using LlmProxy.Access;
using LlmProxy.Observability;
using Microsoft.AspNetCore.Http.Features;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Runs <c>background: true</c> responses apart from the request that asked for them: the request body goes through the
/// same pipeline (routing, fallback, translation) on a context of its own whose response body is the run's event log,
/// so the work goes on after the client leaves, its events can be followed or replayed, and cancelling aborts the
/// provider request. Runs live in this process: one cut short by a restart stays <c>in_progress</c> until cancelled. With
/// a Redis (<paramref name="shared"/>), each run is registered there and shares its events, so other instances can follow,
/// cancel or delete it; without one, only this instance can.
/// </summary>
internal sealed partial class BackgroundResponses(InboundPipeline pipeline, ResponsesStore store, RequestObserver observer, SharedBackgroundRuns? shared,
    ILogger<BackgroundResponses> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, BackgroundJob> _jobs = new(StringComparer.Ordinal);

    /// <summary>The run of <paramref name="id"/> when it is running in this process for <paramref name="owner"/>.</summary>
    public BackgroundJob? Find(string id, string owner) => _jobs.TryGetValue(id, out var job) && job.Owner == owner ? job : null;

    /// <summary>
    /// Starts running <paramref name="body"/> (copied) as the background response of <paramref name="queued"/>, the
    /// exchange the starting request stored, which stands for the run until the run has read the request itself. The
    /// run takes over the starting request's <paramref name="account"/> (its admission, and its one usage record). A shared
    /// run is registered before this returns, so that another instance asked about it next already finds it.
    /// </summary>
    public async Task<BackgroundJob> StartRunAsync(ResponsesExchange queued, ClientKey key, ReadOnlyMemory<byte> body, RequestAccount? account)
    {
        var registered = shared is null ? null : await shared.RegisterAsync(queued.Id);
        var job = new BackgroundJob(queued.Id, key.Owner, registered) { Exchange = queued };
        _jobs[queued.Id] = job;
        var copy = body.ToArray();
        job.Run = Task.Run(() => RunAsync(job, key, copy, account));
        return job;
    }

    private async Task RunAsync(BackgroundJob job, ClientKey key, byte[] body, RequestAccount? account)
    {
        var context = new DefaultHttpContext();
        var output = new EventLogStream(job.Log);
        context.Features.Set<IHttpResponseFeature>(new StartedWhenWritten(output));
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(output));
        context.Features.Set(key);
        context.Features.Set(account);
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = "/v1/responses";
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        context.RequestAborted = job.Cancellation.Token;
        try
        {
            await pipeline.HandleAsync(context, new OpenAIResponsesDialect(store, this, job));
            await context.Response.BodyWriter.FlushAsync(CancellationToken.None);
        }
        catch (Exception e) when (job.Cancellation.IsCancellationRequested && e is OperationCanceledException)
        {
            // Cancelled while waiting to retry: the cancelled state is stored below.
        }
        catch (Exception e)
        {
            LogRunFailed(logger, job.Id, e);
        }
        // No HTTP request ends with the run: its account's record reaches the metrics from here.
        if (context.Features.Get<RequestAccount>() is { } runAccount)
        {
            observer.Used(runAccount);
        }
        try
        {
            await store.FinishBackgroundAsync(job, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogRunFailed(logger, job.Id, e);
        }
        finally
        {
            // The token source is left to the collector: a cancel racing the end of the run may still call it.
            job.Log.Complete();
            _jobs.TryRemove(job.Id, out _);
        }
        if (job.Shared is { } run)
        {
            await run.EndAsync(); // after the store has the end: an instance that sees the run gone reads its final state
        }
    }

    /// <summary>With a Redis, listens for cancels other instances ask of this one's runs (without holding up the start).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = shared?.ListenForCancelsAsync(CancelRequested);
        return Task.CompletedTask;
    }

    // Another instance was asked to cancel a run of this one: stopped as a local cancel stops it (the owner checked here too).
    private void CancelRequested(string id, string owner)
    {
        if (Find(id, owner) is { } job)
        {
            _ = job.Cancellation.CancelAsync();
        }
    }

    /// <summary>
    /// Stops every run when the host stops: each stores what it has as cancelled and hands its usage record to the ledger,
    /// which the host stops after this (it was registered before), so the record is written and not dropped.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var job in _jobs.Values)
        {
            job.Cancellation.Cancel();
        }
        await Task.WhenAll([.. _jobs.Values.Select(j => j.Run)]).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Stops what is still running when the container goes (a host that was never started or stopped).</summary>
    public void Dispose()
    {
        foreach (var job in _jobs.Values)
        {
            job.Cancellation.Cancel();
        }
        Task.WaitAll([.. _jobs.Values.Select(j => j.Run)], TimeSpan.FromSeconds(5));
    }

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "background response {Id} failed")]
    private static partial void LogRunFailed(ILogger logger, string id, Exception exception);

    // A context of its own has no server to say when its response started: it started when the run first wrote.
    private sealed class StartedWhenWritten(EventLogStream output) : HttpResponseFeature
    {
        public override bool HasStarted => output.HasWritten;
    }
}
