using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Providers;
using LlmProxy.Storage;

namespace LlmProxy.Hosting;

/// <summary>Builds the whole proxy from a config: the same path for the binary and for in-process tests.</summary>
internal static partial class ProxyApp
{
    /// <summary>Validates what the config file reader cannot: provider-specific fields. Throws <see cref="ConfigException"/>.</summary>
    public static void Validate(ProxyConfig config)
    {
        using var unused = new HttpMessageInvoker(new SocketsHttpHandler());
        ProxyRuntime.Build(config, new ProviderServices(unused, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
    }

    /// <summary>
    /// The proxy for <paramref name="config"/>, listening on <paramref name="urls"/> (else <c>server.urls</c>). With
    /// <paramref name="configPath"/> (the file <paramref name="config"/> was read from), SIGHUP and
    /// <c>server.watchConfig</c> reload it (<see cref="ConfigReload"/>). Throws <see cref="ConfigException"/>.
    /// </summary>
    public static WebApplication Create(ProxyConfig config, string? urls = null, Action<IServiceCollection>? configureServices = null, string? configPath = null)
    {
        var upstream = UpstreamHandlerFactory.Create(config.Telemetry);

        // The proxy reads its own config file, not appsettings.json: without the host's watcher for that file, which
        // watches the content root's whole tree and so costs an inotify event per write of any file under it (an
        // access log beside the binary). The content root is the binary's folder, not the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"], ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls(config.Server.MetricsUrls is { } metricsUrls ? $"{urls ?? config.Server.Urls};{metricsUrls}" : urls ?? config.Server.Urls);
        builder.WebHost.UseSockets(sockets =>
        {
            // Run socket continuations where they complete instead of hopping to the thread pool: the proxy never
            // blocks, and on few cores the hop (a context switch per read and write) was the largest cost profiled.
            sockets.UnsafePreferInlineScheduling = true;
            // Read straight into a 4 KiB pooled buffer instead of a zero-byte read first: one syscall less per
            // request (about 10 % CPU per request measured) for 4 KiB per idle client connection.
            sockets.WaitForDataBeforeAllocatingBuffer = false;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // the pipeline enforces server.maxBodyBytes, answering 413 in the client's dialect.
        });
        if (SystemdIntegration.LogsToJournal)
        {
            builder.Logging.AddSystemdConsole();
        }
        else
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                console.UseUtcTimestamp = true;
            });
        }
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // Hosting starts an Activity per request whenever its logger is enabled at any level; nothing reads it.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.AddSystemdNotify();
        // The drain, then time for the ledger's and the access log's last writes (Draining).
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMilliseconds(config.Server.DrainTimeoutMs) + Draining.FlushTime);
        builder.Services.AddProxy(config, upstream, configPath);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        try
        {
            // Built here, not on first request, so a provider's config error, an unusable database or a config key named as a
            // stored one stops the start-up with one line.
            app.Services.GetRequiredService<ProxyRuntime>();
            app.Services.GetRequiredService<IResponseStore>();
            app.Services.GetService<Observability.AccessLog>();
            // Start-up has no synchronisation context to deadlock on; the stored keys are needed before anything serves.
            app.Services.GetRequiredService<AccessStartup>().LoadAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (ConfigException)
        {
            ((IDisposable)app).Dispose();
            throw;
        }
        app.MapProxyEndpoints();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LlmProxy");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            LogStarted(logger, ProxyVersion.Current, string.Join(", ", app.Urls), config.Models.Count, config.Providers.Count, config.Keys.Count);
            if (config.Keys.Count == 0)
            {
                LogNoKeys(logger);
            }
        });
        return app;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "llm-proxy {Version} listening on {Urls}: {Models} models, {Providers} providers, {Keys} keys")]
    private static partial void LogStarted(ILogger logger, string version, string urls, int models, int providers, int keys);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "no client keys are configured: every /v1 request will get 401")]
    private static partial void LogNoKeys(ILogger logger);
}
