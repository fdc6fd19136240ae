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
    private int _winner;

    public bool IsClaimed => Volatile.Read(ref _winner) != 0;

    /// <summary>An attempt that runs beside others: cancelled when another attempt claims the answer.</summary>
    public void Register(int attempt, CancellationTokenSource cancel)
    {
        lock (_lock)
        {
            (_running ??= []).Add((attempt, cancel));
        }
    }

    public bool TryClaim(int attempt, string deployment, long upstreamTicks)
    {
        var previous = Interlocked.CompareExchange(ref _winner, attempt, 0);
        if (previous != 0)
        {
            return previous == attempt;
        }
        ProxyResponseHeaders.Set(context.Response, deployment, requestStarted, upstreamTicks, attempt);
        lock (_lock)
        {
            foreach (var (other, cancel) in _running ?? [])
            {
                if (other != attempt)
                {
                    cancel.Cancel();
                }
            }
        }
        return true;
    }
}
