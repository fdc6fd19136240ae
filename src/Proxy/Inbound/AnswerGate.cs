namespace LlmProxy.Inbound;

/// <summary>
/// The right to answer a request. Attempts may run at once (hedging); none touches the response until it has
/// something to send, and then the first to claim the gate wins: it sets the response head, and every other running
/// attempt is cancelled, so a losing provider request is aborted rather than left running and billing.
/// </summary>
internal sealed class AnswerGate(HttpContext context, long requestStarted)
{
    private readonly Lock _lock = new();
    private List<(int Attempt, CancellationTokenSource Cancel)>? _running;
    private List<(int Attempt, string Id)>? _upstreamIds;
    private int _winner;

    public bool IsClaimed => Volatile.Read(ref _winner) != 0;

    /// <summary>When the answer was claimed (its head about to go out), a <see cref="System.Diagnostics.Stopwatch"/> timestamp; 0 before.</summary>
    public long ClaimedAt { get; private set; }

    /// <summary>The proxy's own time up to the claim, as <c>x-llm-proxy-overhead-ms</c> says; null before.</summary>
    public double? OverheadMs { get; private set; }

    /// <summary>An attempt that runs beside others: cancelled when another attempt claims the answer.</summary>
    public void Register(int attempt, CancellationTokenSource cancel)
    {
        lock (_lock)
        {
            (_running ??= []).Add((attempt, cancel));
        }
    }

    /// <summary>A translated attempt's provider request id, set as <see cref="RequestIds.UpstreamHeader"/> if that attempt claims the answer.</summary>
    public void NoteUpstreamRequestId(int attempt, string id)
    {
        lock (_lock)
        {
            (_upstreamIds ??= new(1)).Add((attempt, id));
        }
    }

    public bool TryClaim(int attempt, string deployment, long upstreamTicks)
    {
        var previous = Interlocked.CompareExchange(ref _winner, attempt, 0);
        if (previous != 0)
        {
            return previous == attempt;
        }
        ClaimedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        OverheadMs = ProxyResponseHeaders.Set(context.Response, deployment, requestStarted, upstreamTicks, attempt);
        lock (_lock)
        {
            // Not "?? []": that would allocate an empty list on every answer.
            if (_upstreamIds is { } ids)
            {
                foreach (var (noted, id) in ids)
                {
                    if (noted == attempt)
                    {
                        context.Response.Headers[RequestIds.UpstreamHeader] = id;
                    }
                }
            }
            if (_running is { } running)
            {
                foreach (var (other, cancel) in running)
                {
                    if (other != attempt)
                    {
                        cancel.Cancel();
                    }
                }
            }
        }
        return true;
    }
}
