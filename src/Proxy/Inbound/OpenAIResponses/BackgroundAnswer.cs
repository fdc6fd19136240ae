namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// What the request that starts a background response gets: the queued Response object, or, when it asked to stream,
/// the run's events as they come (the run goes on if this client leaves; <c>starting_after</c> resumes it).
/// </summary>
internal static class BackgroundAnswer
{
    public static async Task WriteAsync(HttpContext context, byte[] queued, BackgroundJob job, bool stream)
    {
        if (!stream)
        {
            await JsonAnswer.WriteRawAsync(context.Response, queued, context.RequestAborted);
            return;
        }
        await StreamAsync(context, job.Log, startingAfter: -1);
    }

    /// <summary>Streams <paramref name="feed"/> from after <paramref name="startingAfter"/> until the run ends or the client leaves.</summary>
    public static async Task StreamAsync(HttpContext context, IEventFeed feed, int startingAfter)
    {
        new StreamOpening(context, claim: null).TryOpen(out _); // the event-stream head, unbuffered, as every stream's
        try
        {
            await feed.CopyToAsync(context.Response.BodyWriter, startingAfter, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; the run goes on, and its events stay to be resumed.
        }
    }
}
