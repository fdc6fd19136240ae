using LlmProxy.Access;
using LlmProxy.Admin;
using LlmProxy.Config;
using LlmProxy.Inbound;
using LlmProxy.Inbound.Anthropic;
using LlmProxy.Inbound.OpenAIModels;
using LlmProxy.Inbound.OpenAIResponses;
using LlmProxy.Observability;
using LlmProxy.Providers;
using LlmProxy.Routing;
using LlmProxy.Storage;
using StackExchange.Redis;
using LlmProxy.Usage;
using OpenTelemetry.Metrics;

namespace LlmProxy.Hosting;

internal static class ProxyServices
{
    /// <summary>Registers the runtime built from the config and every singleton the endpoints use.</summary>
    public static IServiceCollection AddProxy(this IServiceCollection services, ProxyConfig config, HttpMessageInvoker upstream, string? configPath = null)
    {
        // Providers log what they drop from a request, so they are built once logging exists.
        services.AddSingleton(provider => new ProviderServices(provider.GetRequiredService<HttpMessageInvoker>(),
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILoggerFactory>()) { Shutdown = provider.GetRequiredService<Draining>().Deadline });
        services.AddSingleton(provider => ProxyRuntime.Build(config, provider.GetRequiredService<ProviderServices>()));
        services.AddSingleton(config.Server);
        if (config.Server.Cors is not null)
        {
            services.AddCors();
        }
        services.AddSingleton(provider => provider.GetRequiredService<ProxyRuntime>().Catalog);
        services.AddSingleton(provider => provider.GetRequiredService<ProxyRuntime>().Keys);
        services.AddSingleton(_ => upstream); // a factory registration, so the container disposes the pool on shutdown
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ErrorResponder>();
        if (configPath is not null)
        {
            services.AddSingleton(provider => new ConfigReload(configPath, provider.GetRequiredService<ProxyRuntime>(), provider.GetRequiredService<ProviderServices>(),
                provider.GetRequiredService<ILogger<ConfigReload>>(), provider.GetService<Microsoft.Extensions.Hosting.Systemd.ISystemdNotifier>()));
            services.AddHostedService(provider => new ConfigReloadTriggers(provider.GetRequiredService<ConfigReload>(), config.Server.WatchConfig,
                provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<ConfigReloadTriggers>>()));
        }
        services.AddSingleton(config.Usage);
        if (config.Redis is { } redis)
        {
            // AbortOnConnectFail off: a Redis down at start-up degrades the limits (RedisRequestLimiter), it does not stop the start.
            services.AddSingleton<IConnectionMultiplexer>(provider => ConnectRedis(redis, provider.GetRequiredService<ILoggerFactory>()));
            services.AddSingleton(provider => new RedisRequestLimiter(provider.GetRequiredService<IConnectionMultiplexer>(), redis,
                provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<RedisRequestLimiter>>()));
            services.AddSingleton<IRequestLimiter>(provider => provider.GetRequiredService<RedisRequestLimiter>());
            services.AddSingleton<InstanceId>();
            services.AddHostedService(provider => new RedisInstances(provider.GetRequiredService<IConnectionMultiplexer>(), redis,
                provider.GetRequiredService<RedisRequestLimiter>(), provider.GetRequiredService<InstanceId>()));
            services.AddHostedService(provider => new SharedDeploymentHealth(provider.GetRequiredService<IConnectionMultiplexer>(), redis,
                provider.GetRequiredService<ModelCatalog>(), provider.GetRequiredService<ILogger<SharedDeploymentHealth>>()));
            services.AddSingleton(provider => new SharedBackgroundRuns(provider.GetRequiredService<IConnectionMultiplexer>(), redis,
                provider.GetRequiredService<InstanceId>(), provider.GetRequiredService<ILogger<SharedBackgroundRuns>>()));
        }
        else
        {
            services.AddSingleton<IRequestLimiter>(provider => new LocalRequestLimiter(provider.GetRequiredService<TimeProvider>()));
        }
        services.AddSingleton<AccessStartup>();
        services.AddHostedService(provider => provider.GetRequiredService<AccessStartup>());
        // Instances sharing a store hear of each other's key changes (Redis) and reload them (every 10 s in any case).
        if (config.Storage.Type == StorageOptions.Postgres)
        {
            services.AddHostedService(provider => new AccessSignals(provider.GetRequiredService<AccessDirectory>(), provider.GetRequiredService<IAccessStore>(),
                provider.GetService<IConnectionMultiplexer>(), config.Redis, provider.GetRequiredService<ILogger<AccessSignals>>()));
        }
        if (config.Usage.Ledger)
        {
            services.AddSingleton(provider => new UsageLedger(provider.GetRequiredService<IUsageStore>(), config.Usage.QueueCapacity,
                provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<UsageLedger>>()));
            services.AddSingleton<IUsageRecorder>(provider => provider.GetRequiredService<UsageLedger>());
            // The host stops it (writing what is queued) before the container disposes the store it writes to.
            services.AddHostedService(provider => provider.GetRequiredService<UsageLedger>());
        }
        else
        {
            services.AddSingleton<IUsageRecorder, UsageLog>();
        }
        if (config.AccessLog is { } accessLog)
        {
            services.AddSingleton(provider => new AccessLog(accessLog, provider.GetRequiredService<ILogger<AccessLog>>()));
        }
        // Stops (writing what is queued) after the requests that feed it, before the container disposes the access log.
        services.AddSingleton(provider => new RequestObserver(config.Server.Metrics ? provider.GetRequiredService<ProxyMetrics>() : null,
            provider.GetService<AccessLog>(), provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<RequestObserver>>()));
        services.AddHostedService(provider => provider.GetRequiredService<RequestObserver>());
        services.AddSingleton(new BodyBudget(config.Server.BufferedBodyBytes));
        services.AddHostedService<MemoryTrimmer>();
        services.AddSingleton(config.Storage);
        // One database for every store. A factory registration: the container disposes the database (closing its
        // connections) on shutdown, after the stores that use it.
        services.AddSingleton(_ => OpenStore(config.Storage));
        services.AddSingleton<IResponseStore>(provider => new SqlResponseStore(provider.GetRequiredService<SqlDatabase>(), provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IAccessStore>(provider => new SqlAccessStore(provider.GetRequiredService<SqlDatabase>()));
        services.AddSingleton<IUsageStore>(provider => provider.GetRequiredService<SqlDatabase>() switch
        {
            PostgresDatabase postgres => new PostgresUsageStore(postgres),
            var sqlite => new SqliteUsageStore((SqliteDatabase)sqlite),
        });
        services.AddHostedService<ResponseRetention>();
        services.AddSingleton(provider => new ResponsesStore(provider.GetRequiredService<IResponseStore>(), provider.GetRequiredService<TimeProvider>(),
            config.Storage.ResponsesTtlDays, config.Storage.EncryptionKey, provider.GetRequiredService<ILogger<ResponsesStore>>(),
            provider.GetRequiredService<BodyBudget>(), config.Server.MaxBodyBytes));
        services.AddHostedService(provider => provider.GetRequiredService<ResponsesStore>());
        services.AddSingleton<InboundPipeline>();
        services.AddSingleton(provider => new BackgroundResponses(provider.GetRequiredService<InboundPipeline>(), provider.GetRequiredService<ResponsesStore>(),
            provider.GetRequiredService<RequestObserver>(), provider.GetService<SharedBackgroundRuns>(), provider.GetRequiredService<ILogger<BackgroundResponses>>()));
        // After the ledger: hosted services stop in reverse order, so runs end (and record their usage) before it flushes.
        services.AddHostedService(provider => provider.GetRequiredService<BackgroundResponses>());
        services.AddSingleton<HealthEndpoint>();
        services.AddSingleton<HealthProbes>();
        services.AddSingleton<Draining>();
        services.AddSingleton(provider => new ProxyMetrics(provider.GetRequiredService<ModelCatalog>(), provider.GetRequiredService<IRequestLimiter>(),
            provider.GetService<UsageLedger>(), config.Server.MetricsKeyLabels, provider.GetService<ProxyMeterName>()?.Name ?? ProxyMetrics.MeterName));
        // The proxy's meter and .NET's own (memory, GC, thread pool: System.Runtime), for GET /metrics.
        if (config.Server.Metrics)
        {
            services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ProxyMetrics.MeterName, "System.Runtime").AddPrometheusExporter());
        }
        services.AddSingleton<OpenAIModelsEndpoint>();
        services.AddSingleton<AnthropicModelsEndpoint>();
        services.AddSingleton<KeyUsageEndpoint>();
        services.AddSingleton(config.Admin);
        services.AddSingleton<KeyEndpoints>();
        services.AddSingleton<TeamEndpoints>();
        services.AddSingleton<AuditEndpoint>();
        services.AddSingleton<UsageEndpoint>();
        // Traces only when telemetry.otlpEndpoint is set: otherwise no tracer provider listens and no span is ever started.
        services.AddSingleton(new ProxyTracing(config.Telemetry));
        if (config.Telemetry is { } tracing)
        {
            services.AddOpenTelemetry().WithTracing(builder => builder.AddProxyTracing(tracing, ProxyVersion.Current));
        }
        return services;
    }

    private static ConnectionMultiplexer ConnectRedis(RedisOptions redis, ILoggerFactory logging)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(redis.ConnectionString);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException("redis.connectionString", e.Message);
        }
        options.AbortOnConnectFail = false;
        // An admission waits for Redis at most this long before counting here instead (a hung server, a cut link).
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 1000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 1000);
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.ClientName ??= "llm-proxy";
        return RedisFailure.Connect(options, logging.CreateLogger("LlmProxy.Redis"));
    }

    // A database that cannot be used stops the start-up with one line, as a config error naming its setting.
    private static SqlDatabase OpenStore(StorageOptions storage)
    {
        var postgres = storage.Type == StorageOptions.Postgres;
        try
        {
            return postgres ? PostgresDatabase.Open(storage.ConnectionString!) : SqliteDatabase.Open(storage.Path);
        }
        catch (StorageException e)
        {
            throw new ConfigException(postgres ? "storage.connectionString" : "storage.path", e.Message);
        }
    }
}
