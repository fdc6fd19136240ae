using System.Diagnostics.Metrics;
using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Hosting;
using LlmProxy.Observability;
using LlmProxy.Providers;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmProxy.Tests.Observability;

/// <summary>The gauges a dashboard reads at each scrape, through a listener on this instance's meter only.</summary>
public sealed class ProxyMetricsTests : IDisposable
{
    private readonly ProxyMetrics _metrics;

    public ProxyMetricsTests()
    {
        var config = ConfigLoader.Parse("""
            { "providers": { "local": { "type": "mock" } }, "models": { "echo": [ { "provider": "local", "model": "echo" } ] } }
            """, "proxy.json", EnvironmentExpander.Process);
        using var unused = new HttpMessageInvoker(new SocketsHttpHandler());
        var catalog = ProxyRuntime.Build(config, new ProviderServices(unused, TimeProvider.System, NullLoggerFactory.Instance)).Catalog;
        _metrics = new ProxyMetrics(catalog, new LocalRequestLimiter(TimeProvider.System), null);
    }

    public void Dispose() => _metrics.Dispose();

    [Fact]
    public void Gauges_RequestsAndStreamsBeingServed_CountOnlyThoseNotYetEnded()
    {
        _metrics.Serving(stream: true);
        _metrics.Serving(stream: true);
        _metrics.Serving(stream: false);
        _metrics.Served(stream: true);

        Assert.Equal(2, Observe("llm_proxy.requests.in_flight"));
        Assert.Equal(1, Observe("llm_proxy.streams.open"));

        _metrics.Served(stream: true);
        _metrics.Served(stream: false);

        Assert.Equal(0, Observe("llm_proxy.requests.in_flight"));
        Assert.Equal(0, Observe("llm_proxy.streams.open"));
    }

    private long Observe(string name)
    {
        long value = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == name && ReferenceEquals(instrument.Meter, _metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }
}
