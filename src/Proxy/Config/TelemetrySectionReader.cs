namespace LlmProxy.Config;

/// <summary>Reads the <c>telemetry</c> section into <see cref="TelemetryOptions"/>; every bad value is a <see cref="ConfigException"/> naming its field.</summary>
internal static class TelemetrySectionReader
{
    /// <summary>
    /// Null when tracing stays off: no section, or no <c>otlpEndpoint</c> (absent, null, or empty, as <c>${OTLP_ENDPOINT:-}</c>
    /// expands to when the variable is unset). The other fields are checked either way, so a typo does not wait for the day
    /// tracing is turned on.
    /// </summary>
    public static TelemetryOptions? Read(ConfigNode? node)
    {
        if (node is not { } telemetry)
        {
            return null;
        }
        telemetry.AllowOnly("otlpEndpoint", "otlpProtocol", "serviceName", "sampleRatio", "propagateContext");
        var protocol = telemetry.OptionalString("otlpProtocol") ?? TelemetryOptions.HttpProtobuf;
        if (Array.IndexOf(TelemetryOptions.Protocols, protocol) < 0)
        {
            throw new ConfigException(telemetry.Child("otlpProtocol"),
                $"unknown protocol '{protocol}' (expected one of: {string.Join(", ", TelemetryOptions.Protocols)})");
        }
        var serviceName = telemetry.OptionalString("serviceName") ?? TelemetryOptions.DefaultServiceName;
        if (serviceName.Trim().Length == 0)
        {
            throw new ConfigException(telemetry.Child("serviceName"), "must not be empty");
        }
        var ratio = telemetry.OptionalDecimal("sampleRatio", 0) ?? 1m;
        if (ratio > 1)
        {
            throw new ConfigException(telemetry.Child("sampleRatio"), "must be from 0 to 1 (the share of new traces recorded)");
        }
        var propagate = telemetry.OptionalBool("propagateContext") ?? true;
        if (telemetry.OptionalString("otlpEndpoint") is not { Length: > 0 })
        {
            return null;
        }
        var endpoint = telemetry.OptionalHttpUrl("otlpEndpoint")!;
        if (!string.IsNullOrEmpty(endpoint.Query) || !string.IsNullOrEmpty(endpoint.Fragment))
        {
            throw new ConfigException(telemetry.Child("otlpEndpoint"), "must have no query or fragment (the collector's base URL, e.g. http://127.0.0.1:4318)");
        }
        CheckHeaders("OTEL_EXPORTER_OTLP_HEADERS");
        CheckHeaders("OTEL_EXPORTER_OTLP_TRACES_HEADERS");
        return new TelemetryOptions(endpoint, protocol, serviceName, (double)ratio, propagate);
    }

    // The exporter reads its collector credentials from these (OpenTelemetry's format: comma-separated key=value pairs)
    // and would stop the start with a stack trace on a malformed one. The value is never quoted: it holds credentials.
    private static void CheckHeaders(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } headers)
        {
            return;
        }
        var entry = 0;
        foreach (var pair in headers.Split(','))
        {
            entry++;
            var equals = pair.IndexOf('=');
            if (equals <= 0 || pair[..equals].Trim().Length == 0)
            {
                throw new ConfigException(variable, $"entry {entry} is not key=value (as in \"authorization=Bearer%20TOKEN,x-tenant=t1\"; values are not shown)");
            }
        }
    }
}
