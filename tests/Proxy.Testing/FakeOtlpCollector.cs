using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace LlmProxy.Testing;

/// <summary>
/// An OTLP trace collector on 127.0.0.1 and a free port, keeping each export's <c>ExportTraceServiceRequest</c> bytes.
/// OTLP/HTTP (the default): accepts <c>POST /v1/traces</c> in <c>application/x-protobuf</c> and answers an empty
/// <c>ExportTraceServiceResponse</c> (200, full success); anything else gets 404 or 415. OTLP/gRPC (<c>grpc: true</c>,
/// HTTP/2 without TLS): accepts the <c>TraceService/Export</c> call, its message framed as gRPC frames it (a compressed
/// flag, a 4-byte big-endian length), and answers an empty message with <c>grpc-status: 0</c>.
/// </summary>
public sealed class FakeOtlpCollector : IAsyncDisposable
{
    /// <summary>The gRPC method of opentelemetry-proto's collector/trace/v1/trace_service.proto.</summary>
    public const string GrpcExportPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<byte[]> _exports;

    private FakeOtlpCollector(WebApplication app, ConcurrentQueue<byte[]> exports)
    {
        _app = app;
        _exports = exports;
        Endpoint = new Uri(app.Urls.First());
    }

    /// <summary>The base URL to give as <c>telemetry.otlpEndpoint</c> (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri Endpoint { get; }

    /// <summary>The message of every accepted export, in arrival order.</summary>
    public IReadOnlyList<byte[]> Exports => _exports.ToArray();

    /// <summary>Every span of every accepted export.</summary>
    public List<OtlpSpan> Spans => Exports.SelectMany(export => OtlpTraceDecoder.Decode(export)).ToList();

    public static async Task<FakeOtlpCollector> StartAsync(bool grpc = false)
    {
        var exports = new ConcurrentQueue<byte[]>();
        var builder = WebApplication.CreateSlimBuilder(["--hostBuilder:reloadConfigOnChange=false"]); // no watcher over the test's folder
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0,
            listen => listen.Protocols = grpc ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(context => grpc ? ExportGrpcAsync(context, exports) : ExportHttpAsync(context, exports));
        await app.StartAsync();
        return new FakeOtlpCollector(app, exports);
    }

    private static async Task ExportHttpAsync(HttpContext context, ConcurrentQueue<byte[]> exports)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Path != "/v1/traces")
        {
            context.Response.StatusCode = 404;
            return;
        }
        if (context.Request.ContentType != "application/x-protobuf")
        {
            context.Response.StatusCode = 415;
            return;
        }
        exports.Enqueue(await ReadAllAsync(context.Request));
        context.Response.ContentType = "application/x-protobuf";
    }

    private static async Task ExportGrpcAsync(HttpContext context, ConcurrentQueue<byte[]> exports)
    {
        if (context.Request.Path != GrpcExportPath || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            context.Response.StatusCode = 404;
            return;
        }
        var framed = await ReadAllAsync(context.Request);
        if (framed.Length < 5 || framed[0] != 0 || BinaryPrimitives.ReadUInt32BigEndian(framed.AsSpan(1)) != framed.Length - 5)
        {
            throw new InvalidDataException("not one uncompressed gRPC message");
        }
        exports.Enqueue(framed[5..]);
        context.Response.ContentType = "application/grpc";
        await context.Response.Body.WriteAsync(new byte[5]); // an empty ExportTraceServiceResponse
        context.Response.AppendTrailer("grpc-status", "0");
    }

    private static async Task<byte[]> ReadAllAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        return body.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(1)).Token);
        await _app.DisposeAsync();
    }
}
