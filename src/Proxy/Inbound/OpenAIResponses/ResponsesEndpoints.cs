using System.Text.Json;
using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;
using Microsoft.AspNetCore.Http.Features;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The stored-response routes of the Responses API (https://platform.openai.com/docs/api-reference/responses):
/// <c>GET /v1/responses/{id}</c>, <c>DELETE /v1/responses/{id}</c>, <c>GET /v1/responses/{id}/input_items</c> and
/// <c>POST /v1/responses/{id}/cancel</c>. Every one is scoped to the calling key: another key's response is answered
/// exactly as an unknown one, 404. With a Redis (<paramref name="shared"/>), a background run on another instance is
/// followed, cancelled and deleted from this one as a run here is.
/// </summary>
internal sealed class ResponsesEndpoints(ResponsesStore store, BackgroundResponses background, SharedBackgroundRuns? shared = null)
{
    /// <summary>How long a cancel waits for the run to stop and store its cancelled state before answering.</summary>
    private static readonly TimeSpan CancelWait = TimeSpan.FromSeconds(10);

    // A cancel or delete of a response still running, when Redis cannot say which instance runs it: doing it anyway would
    // be undone by the run storing its end.
    private static readonly GatewayError Unreachable = new(503, ErrorKind.Unavailable,
        "This background response may be running on another instance, which cannot be reached now (Redis is unavailable). Retry shortly.",
        "service_unavailable") { RetryAfter = TimeSpan.FromSeconds(5) };

    public async Task GetAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var owner = Owner(context);
        var query = context.Request.Query;
        var stream = query.TryGetValue("stream", out var streamText) && streamText == "true";
        var startingAfter = -1;
        if (query.TryGetValue("starting_after", out var after) && (!int.TryParse(after, out startingAfter) || startingAfter < 0))
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, GatewayError.BadRequest(
                $"'starting_after' must be a sequence number of 0 or more, not '{ErrorText.Quote(after.ToString())}'.", "starting_after"));
            return;
        }
        // A run still going in this process is followed live; one that ended replays what it stored.
        if (stream && background.Find(id, owner) is { } job)
        {
            await BackgroundAnswer.StreamAsync(context, job.Log, startingAfter);
            return;
        }
        IEventFeed? feed;
        var isBackground = false;
        // The read is scoped to the caller's key (404 for another key's) and comes first, before anything is followed.
        using (var lease = await store.ReadAsync(id, owner, withEvents: stream, context.RequestAborted))
        {
            if (lease.Response is not { } stored)
            {
                await OpenAIErrorWriter.WriteAsync(context.Response, lease.Busy ?? ResponsesStore.NotFound(id));
                return;
            }
            if (!stream)
            {
                await JsonAnswer.WriteRawAsync(context.Response, stored.Response, context.RequestAborted);
                return;
            }
            feed = lease.Events is { } events ? Replay(events) : null;
            isBackground = feed is null && StoredEvents.IsBackground(stored.Response);
            if (feed is null && shared is not null && stored.Status is "queued" or "in_progress")
            {
                feed = await shared.FeedAsync(id); // running on another instance: followed through Redis
            }
        }
        if (feed is null)
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, GatewayError.BadRequest(isBackground
                ? "This background response's events were not kept: its run was cut short before it ended (the instance running it stopped), or it is running on an instance this one cannot follow (no Redis)."
                : "Only a background response can be streamed again: this one's events were not kept.", "stream"));
            return;
        }
        await BackgroundAnswer.StreamAsync(context, feed, startingAfter);
    }

    // What a run stored, cut into events as the run's own body was.
    private static ResponseEventLog Replay(byte[] events)
    {
        var replay = new ResponseEventLog();
        new EventLogStream(replay).Write(events);
        replay.Complete();
        return replay;
    }

    public async Task DeleteAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        // A run still going would store its end again after the delete: it is stopped first.
        if (await StopRunAsync(id, Owner(context), context.RequestAborted) == RunPlace.Unknown)
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, Unreachable);
            return;
        }
        if (!await store.Inner.DeleteAsync(id, Owner(context), context.RequestAborted))
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, ResponsesStore.NotFound(id));
            return;
        }
        await JsonAnswer.WriteAsync(context.Response, id, static (json, id) =>
        {
            json.WriteStartObject();
            json.WriteString("id"u8, id);
            json.WriteString("object"u8, "response"u8);
            json.WriteBoolean("deleted"u8, true);
            json.WriteEndObject();
        }, context.RequestAborted);
    }

    // Only background responses can be cancelled; cancelling one that already ended answers it as it is.
    public async Task CancelAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var owner = Owner(context);
        var place = await StopRunAsync(id, owner, context.RequestAborted);
        using var lease = await store.ReadAsync(id, owner, withEvents: false, context.RequestAborted);
        if (lease.Response is not { } stored)
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, lease.Busy ?? ResponsesStore.NotFound(id));
            return;
        }
        if (!StoredEvents.IsBackground(stored.Response))
        {
            await OpenAIErrorWriter.WriteAsync(context.Response,
                GatewayError.BadRequest("Only responses created with background set to true can be cancelled.", null, "invalid_request"));
            return;
        }
        var unfinished = stored.Status is "queued" or "in_progress";
        if (unfinished && place == RunPlace.Unknown)
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, Unreachable);
            return;
        }
        // Still queued or running with no run left (its process stopped): nothing will finish it, so cancelling is storing it so.
        // A run that was found but has not stored its end within the wait is answered as it stands.
        var response = unfinished && place is RunPlace.None or RunPlace.Gone
            ? await store.CancelOrphanAsync(stored, CancellationToken.None)
            : stored.Response;
        await JsonAnswer.WriteRawAsync(context.Response, response, context.RequestAborted);
    }

    public async Task InputItemsAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        if (!InputItemsPage.TryRead(context.Request.Query, out var page, out var error))
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, error!);
            return;
        }
        using var lease = await store.ReadAsync(id, Owner(context), withEvents: false, context.RequestAborted);
        if (lease.Response is not { } stored)
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, lease.Busy ?? ResponsesStore.NotFound(id));
            return;
        }
        using var items = JsonDocument.Parse(stored.InputItems, RawJson.DocumentOptions);
        await JsonAnswer.WriteAsync(context.Response, (page, items.RootElement), static (json, state) => state.page.Write(json, state.Item2),
            context.RequestAborted);
    }

    // Cancels the run of a background response still going, in this process or on another instance, and waits until it has
    // stored its end. Returns where a run still is: Here (this process's, not ended within the wait), Elsewhere (asked),
    // Unknown (Redis cannot say whether another instance runs it); anything else means no run will store an end.
    private async Task<RunPlace> StopRunAsync(string id, string owner, CancellationToken cancellationToken)
    {
        if (background.Find(id, owner) is { } job)
        {
            await job.Cancellation.CancelAsync();
            await job.Run.WaitAsync(CancelWait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return background.Find(id, owner) is null ? RunPlace.None : RunPlace.Here;
        }
        if (shared is null)
        {
            return RunPlace.None;
        }
        // Only the caller's own response, and only one still running, is asked of the other instances.
        using (var lease = await store.ReadAsync(id, owner, withEvents: false, cancellationToken))
        {
            if (lease.Response is not { Status: "queued" or "in_progress" })
            {
                return RunPlace.None;
            }
        }
        var place = await shared.StopElsewhereAsync(id, owner, CancelWait, cancellationToken);
        // Registered here but no longer running here: it ended between the two looks.
        return place == RunPlace.Here ? RunPlace.None : place;
    }

    private static string Owner(HttpContext context) => context.Features.GetRequiredFeature<ClientKey>().Owner;

}
