using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace LlmProxy.Inbound;

/// <summary>
/// The held-back opening of a translated stream: nothing is sent, not even the headers, until the first thing worth
/// sending. Then the answer is claimed (another hedged attempt may have it already) and the head goes out: 200,
/// <c>text/event-stream</c>, no caching, no response buffering so each flush reaches the client.
/// </summary>
internal sealed class StreamOpening(HttpContext context, AnswerClaim? claim)
{
    private bool _lost;

    public bool IsOpen { get; private set; }

    /// <summary>When the stream opened (a Stopwatch timestamp); 0 while it has not.</summary>
    public long OpenedTimestamp { get; private set; }

    /// <summary>
    /// True when this attempt answers; <paramref name="justOpened"/> is true the one time the head was just sent, when
    /// the writer sends its own opening event. False when another attempt answers: the writer writes nothing.
    /// </summary>
    public bool TryOpen(out bool justOpened)
    {
        justOpened = false;
        if (IsOpen || _lost)
        {
            return IsOpen;
        }
        if (claim is { } ticket && !ticket.TryClaim())
        {
            _lost = true;
            return false;
        }
        IsOpen = justOpened = true;
        OpenedTimestamp = Stopwatch.GetTimestamp();
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return true;
    }
}
