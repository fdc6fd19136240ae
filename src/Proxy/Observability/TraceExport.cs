using LlmProxy.Config;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LlmProxy.Observability;

/// <summary>Where the proxy's spans go: OpenTelemetry's OTLP exporter behind a batch processor, flushed when the host stops.</summary>
internal static class TraceExport
{
    /// <summary>
    /// Subscribes the tracer provider to <see cref="ProxyTracing.SourceName"/> and no other source, samples parent-based
    /// with <see cref="TelemetryOptions.SampleRatio"/> for new traces, names the service, and exports over OTLP to
    /// <see cref="TelemetryOptions.TracesEndpoint"/> in <see cref="TelemetryOptions.OtlpProtocol"/>.
    /// </summary>
    public static TracerProviderBuilder AddProxyTracing(this TracerProviderBuilder tracing, TelemetryOptions options, string serviceVersion) => tracing
        .ConfigureResource(resource => resource.AddService(options.ServiceName, serviceVersion: serviceVersion))
        .AddSource(ProxyTracing.SourceName)
        .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
        .AddOtlpExporter(otlp =>
        {
            otlp.Endpoint = options.TracesEndpoint;
            otlp.Protocol = options.OtlpProtocol == TelemetryOptions.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
            otlp.ExportProcessorType = ExportProcessorType.Batch;
        });
}
