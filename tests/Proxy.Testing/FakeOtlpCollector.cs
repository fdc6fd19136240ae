using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Testing;

/// <summary>
/// An OTLP/HTTP trace collector on 127.0.0.1 and a free port: accepts <c>POST /v1/traces</c> in
/// <c>application/x-protobuf</c>, keeps each export's bytes, and answers an empty <c>ExportTraceServiceResponse</c>
/// (200, which the exporter reads as full success). Anything else gets 404 or 415.
/// </summary>
public sealed class FakeOtlpCollector : IAsyncDisposable
{
    private readonly FakeServer _server;
    private readonly ConcurrentQueue<byte[]> _exports;

    private FakeOtlpCollector(FakeServer server, ConcurrentQueue<byte[]> exports)
    {
        _server = server;
        _exports = exports;
    }

    /// <summary>The base URL to give as <c>telemetry.otlpEndpoint</c> (<c>http://127.0.0.1:PORT</c>).</summary>
    public Uri Endpoint => _server.Root;

    /// <summary>The body of every accepted export, in arrival order.</summary>
    public IReadOnlyList<byte[]> Exports => _exports.ToArray();

    /// <summary>Every span of every accepted export.</summary>
    public List<OtlpSpan> Spans => Exports.SelectMany(export => OtlpTraceDecoder.Decode(export)).ToList();

    public static async Task<FakeOtlpCollector> StartAsync()
    {
        var exports = new ConcurrentQueue<byte[]>();
        var server = await FakeServer.StartAsync(async (context, request) =>
        {
            if (request.Method != "POST" || request.PathAndQuery != "/v1/traces")
            {
                context.Response.StatusCode = 404;
                return;
            }
            if (context.Request.ContentType != "application/x-protobuf")
            {
                context.Response.StatusCode = 415;
                return;
            }
            exports.Enqueue(request.Body);
            context.Response.ContentType = "application/x-protobuf";
            await context.Response.Body.FlushAsync();
        });
        return new FakeOtlpCollector(server, exports);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
