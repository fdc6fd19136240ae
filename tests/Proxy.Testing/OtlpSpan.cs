namespace LlmProxy.Testing;

/// <summary>
/// One span as an OTLP collector received it: ids as lowercase hex (<see cref="ParentSpanId"/> empty for a root),
/// <see cref="Kind"/> as OTLP numbers it (1 internal, 2 server, 3 client), attributes of string, long, bool or double,
/// <see cref="StatusCode"/> 0 unset, 1 ok, 2 error, and the resource's and the instrumentation scope's names.
/// </summary>
public sealed record OtlpSpan(
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    int Kind,
    IReadOnlyDictionary<string, object> Attributes,
    int StatusCode,
    string ScopeName,
    IReadOnlyDictionary<string, object> Resource)
{
    public const int ServerKind = 2;
    public const int ClientKind = 3;

    /// <summary>An attribute's value, or null when the span has none of that name.</summary>
    public object? this[string attribute] => Attributes.TryGetValue(attribute, out var value) ? value : null;
}
