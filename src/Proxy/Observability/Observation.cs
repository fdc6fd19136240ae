using LlmProxy.Usage;

namespace LlmProxy.Observability;

/// <summary>
/// One thing a request hands to the <see cref="RequestObserver"/>'s thread when it ends. A struct of references the
/// request already holds, so handing it over allocates nothing; what each field means depends on <see cref="Kind"/>,
/// and the factory methods are the only way to make one.
/// </summary>
internal readonly struct Observation
{
    private readonly UsageRecord? _record;
    private readonly AccessLogEntry _entry;
    private readonly AttemptEnd _attempt;
    private readonly string? _route;
    private readonly string? _method;

    private Observation(ObservationKind kind, UsageRecord? record, AttemptEnd? attempt, string? route = null, string? method = null, int status = 0,
        AccessLogEntry entry = default)
    {
        Kind = kind;
        _record = record;
        _entry = entry;
        _attempt = attempt.GetValueOrDefault();
        _route = route;
        _method = method;
        Status = status;
    }

    public ObservationKind Kind { get; }

    /// <summary>Answered: the HTTP status sent.</summary>
    public int Status { get; }

    /// <summary>Answered: the matched route's pattern, or <c>unmatched</c>.</summary>
    public string Route => _route!;

    /// <summary>Answered: the method as a label (<c>other</c> for one the proxy does not serve).</summary>
    public string Method => _method!;

    /// <summary>Answered: true when an access log is kept and <see cref="Entry"/> is its line (a real entry always has a request id).</summary>
    public bool Logged => _entry.RequestId is not null;

    /// <summary>Answered, when <see cref="Logged"/>: the access log's entry.</summary>
    public AccessLogEntry Entry => _entry;

    /// <summary>Answered: the ledger record of a proxied request, else null; Used: the run's ledger record.</summary>
    public UsageRecord? Record => _record;

    /// <summary>
    /// Attempted: the attempt. Answered and Used: the request's served attempt, when one was held for it (it travels here
    /// rather than in an observation of its own; see <see cref="RequestObserver.Attempted"/>).
    /// </summary>
    public AttemptEnd? Attempt => _attempt.Deployment is null ? null : _attempt;

    /// <summary>A request answered; <paramref name="entry"/> when an access log is kept, else null.</summary>
    public static Observation Answered(string route, string method, int status, AccessLogEntry? entry, UsageRecord? record, AttemptEnd? attempt) =>
        new(ObservationKind.Answered, record, attempt, route, method, status, entry.GetValueOrDefault());

    public static Observation Used(UsageRecord record, AttemptEnd? attempt) => new(ObservationKind.Used, record, attempt);

    public static Observation Attempted(AttemptEnd attempt) => new(ObservationKind.Attempted, null, attempt);
}
