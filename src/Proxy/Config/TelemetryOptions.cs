namespace LlmProxy.Config;

/// <summary>
/// The <c>telemetry</c> section: traces exported over OTLP. No section, or no <c>otlpEndpoint</c>, means no tracing at all
/// (null on <see cref="ProxyConfig.Telemetry"/>).
/// <paramref name="OtlpEndpoint"/>: the collector's base URL (absolute http/https), as in <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>:
/// with <c>http/protobuf</c> the spans are POSTed to <c>{endpoint}/v1/traces</c>; with <c>grpc</c> the URL is used as it is.
/// <paramref name="OtlpProtocol"/>: <see cref="HttpProtobuf"/> (the default) or <see cref="Grpc"/>.
/// <paramref name="ServiceName"/>: the <c>service.name</c> resource attribute.
/// <paramref name="SampleRatio"/>: the share of new traces recorded, 0 to 1; a request that carries a <c>traceparent</c>
/// follows its caller's sampled flag instead (parent-based sampling).
/// <paramref name="PropagateContext"/>: whether each upstream attempt sends W3C <c>traceparent</c>/<c>tracestate</c> naming its span.
/// </summary>
internal sealed record TelemetryOptions(Uri OtlpEndpoint, string OtlpProtocol, string ServiceName, double SampleRatio, bool PropagateContext)
{
    public const string HttpProtobuf = "http/protobuf";
    public const string Grpc = "grpc";
    public const string DefaultServiceName = "llm-proxy";

    /// <summary>The values <c>otlpProtocol</c> takes, with the names the OpenTelemetry specification gives them (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>).</summary>
    public static readonly string[] Protocols = [HttpProtobuf, Grpc];

    /// <summary>Where the exporter sends spans: the base URL plus <c>v1/traces</c> for <c>http/protobuf</c>, the base URL for <c>grpc</c>.</summary>
    public Uri TracesEndpoint => OtlpProtocol == Grpc
        ? OtlpEndpoint
        : new Uri(OtlpEndpoint.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/v1/traces");
}
