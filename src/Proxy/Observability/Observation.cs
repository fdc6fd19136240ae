using LlmProxy.Routing;
using LlmProxy.Usage;

namespace LlmProxy.Observability;

/// <summary>
/// One thing a request hands to the <see cref="RequestObserver"/>'s thread when it ends. A struct of references the
/// request already holds, so handing it over allocates nothing; what each field means depends on <see cref="Kind"/>,
/// and the factory methods are the only way to make one.
/// </summary>
internal readonly struct Observation
{
    private readonly Deployment? _deployment;
    private readonly UsageRecord? _record;
    private readonly AccessLogEntry _entry;
    private readonly string? _first;
    private readonly string? _second;

    private Observation(ObservationKind kind, Deployment? deployment, UsageRecord? record, string? first, string? second, int status,
        AccessLogEntry entry = default)
    {
        Kind = kind;
        _deployment = deployment;
        _record = record;
        _entry = entry;
        _first = first;
        _second = second;
        Status = status;
    }

    public ObservationKind Kind { get; }

    /// <summary>Answered: the HTTP status sent.</summary>
    public int Status { get; }

    /// <summary>Answered: the matched route's pattern, or <c>unmatched</c>.</summary>
    public string Route => _first!;

    /// <summary>Answered: the method as a label (<c>other</c> for one the proxy does not serve).</summary>
    public string Method => _second!;

    /// <summary>Answered: true when an access log is kept and <see cref="Entry"/> is its line (a real entry always has a request id).</summary>
    public bool Logged => _entry.RequestId is not null;

    /// <summary>Answered, when <see cref="Logged"/>: the access log's entry.</summary>
    public AccessLogEntry Entry => _entry;

    /// <summary>Answered: the ledger record of a proxied request, else null; Used: the run's ledger record.</summary>
    public UsageRecord? Record => _record;

    /// <summary>Attempted: the alias the request asked for.</summary>
    public string Alias => _first!;

    /// <summary>Attempted: <c>ok</c> or the failure's class.</summary>
    public string Outcome => _second!;

    /// <summary>Attempted: the deployment tried.</summary>
    public Deployment Deployment => _deployment!;

    /// <summary>A request answered; <paramref name="entry"/> when an access log is kept, else null.</summary>
    public static Observation Answered(string route, string method, int status, AccessLogEntry? entry, UsageRecord? record) =>
        new(ObservationKind.Answered, null, record, route, method, status, entry.GetValueOrDefault());

    public static Observation Used(UsageRecord record) => new(ObservationKind.Used, null, record, null, null, 0);

    public static Observation Attempted(string alias, Deployment deployment, string outcome) => new(ObservationKind.Attempted, deployment, null, alias, outcome, 0);
}
