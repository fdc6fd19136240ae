using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Routing;

namespace LlmProxy.Inbound;

/// <summary>One request's attempts at an answer: what every attempt needs, how many there were, and the failures so far.</summary>
internal sealed class Attempts(HttpContext context, IInboundDialect dialect, RequestBody body, RequestEnvelope envelope, ModelRoute route,
    ClientKey key, AnswerGate gate)
{
    private readonly Lock _lock = new();
    private int _count;

    public HttpContext Context { get; } = context;

    public IInboundDialect Dialect { get; } = dialect;

    public RequestBody Body { get; } = body;

    public RequestEnvelope Envelope { get; } = envelope;

    public ModelRoute Route { get; } = route;

    public ClientKey Key { get; } = key;

    public AnswerGate Gate { get; } = gate;

    /// <summary>The request's accounts, which every attempt's usage goes to.</summary>
    public RequestAccount? Account { get; init; }

    /// <summary>The canonical request, read once when a deployment needs translation.</summary>
    public ChatRequest? Canonical { get; set; }

    public int Count => Volatile.Read(ref _count);

    public List<(string Deployment, ProviderError Error)>? Failures { get; private set; }

    /// <summary>The number of the attempt about to start, counted from 1.</summary>
    public int Next() => Interlocked.Increment(ref _count);

    public void Fail(string deployment, ProviderError error)
    {
        lock (_lock)
        {
            (Failures ??= []).Add((deployment, error));
        }
    }
}
