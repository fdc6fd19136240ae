using System.Text.Json;

namespace LlmProxy.Config;

/// <summary>Reads and validates the JSON config file (DESIGN.md section 4). Every failure is one <see cref="ConfigException"/>.</summary>
internal static class ConfigLoader
{
    private static readonly JsonDocumentOptions ParseOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 32,
        // A field given twice is a mistake in the file (which one meant it?), not a silent last-one-wins.
        AllowDuplicateProperties = false,
    };

    public static ProxyConfig LoadFile(string path, EnvironmentExpander? expander = null) =>
        Parse(ReadText(path), path, expander ?? EnvironmentExpander.Process);

    /// <summary>The config file's text; throws <see cref="ConfigException"/> naming the file when it cannot be read.</summary>
    public static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConfigException(path, "the config file does not exist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, $"cannot read the config file ({e.Message})");
        }
    }

    /// <summary>
    /// The config in <paramref name="json"/>; throws <see cref="ConfigException"/> naming the field. An error never quotes
    /// what an environment variable held (it may be a secret put in the wrong field): its <c>${NAME}</c> stands instead.
    /// </summary>
    public static ProxyConfig Parse(string json, string fileName, EnvironmentExpander expander)
    {
        var expanded = new List<(string Value, string Reference)>();
        try
        {
            return ParseExpanding(json, fileName, expander.Noting(expanded));
        }
        catch (ConfigException e) when (expanded.Count > 0)
        {
            var problem = e.Message[Math.Min(e.Message.Length, e.Field.Length + 2)..];
            foreach (var (value, reference) in expanded)
            {
                // Short values are no secrets, and replacing them would garble the message.
                problem = value.Length >= MinQuotedSecret ? problem.Replace(value, reference, StringComparison.Ordinal) : problem;
            }
            throw new ConfigException(e.Field, problem);
        }
    }

    private const int MinQuotedSecret = 6;

    private static ProxyConfig ParseExpanding(string json, string fileName, EnvironmentExpander expander)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, ParseOptions);
        }
        catch (JsonException e)
        {
            // LineNumber and BytePositionInLine are zero-based.
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            var reason = e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0];
            throw new ConfigException(fileName, $"invalid JSON at line {line}, column {column}: {reason}");
        }
        catch (InvalidOperationException)
        {
            // A field name that is not Unicode, met while looking for repeats: read again without that check to say where.
            using var lenient = JsonDocument.Parse(json, ParseOptions with { AllowDuplicateProperties = true });
            RequireUnicode(lenient.RootElement, "");
            throw new ConfigException(fileName, NotUnicode);
        }
        using (document)
        {
            RequireUnicode(document.RootElement, "");
            return Read(new ConfigNode(document.RootElement, "", expander), ConfigFolder(fileName));
        }
    }

    // JSON may escape half of a UTF-16 pair ("\ud800"), which is no text: refused here, naming where, so that every
    // reader after may take names and strings as text.
    private static void RequireUnicode(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var index = 0;
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        throw new ConfigException(path.Length == 0 ? $"field #{index + 1}" : $"{path}, field #{index + 1}", NotUnicode);
                    }
                    RequireUnicode(property.Value, path.Length == 0 ? name : $"{path}.{name}");
                    index++;
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    RequireUnicode(item, $"{path}[{i++}]");
                }
                break;
            case JsonValueKind.String:
                try
                {
                    element.GetString();
                }
                catch (InvalidOperationException)
                {
                    throw new ConfigException(path, NotUnicode);
                }
                break;
        }
    }

    private const string NotUnicode = "not valid Unicode text: an unpaired surrogate escape such as \\ud800";

    // Relative paths in the file (storage.path) mean the same wherever the proxy is started from.
    private static string ConfigFolder(string fileName) =>
        Path.GetDirectoryName(Path.GetFullPath(string.IsNullOrEmpty(fileName) ? "." : fileName)) ?? Directory.GetCurrentDirectory();

    private static ProxyConfig Read(ConfigNode root, string configFolder)
    {
        root.AllowOnly("server", "admin", "storage", "redis", "usage", "accessLog", "routing", "providers", "models", "keys", "telemetry");
        var routing = ReadRouting(root.OptionalObject("routing"));
        var providers = ReadProviders(root.OptionalObject("providers") ?? throw new ConfigException("providers", "required"));
        var models = ModelSectionReader.Read(root.OptionalObject("models") ?? throw new ConfigException("models", "required"), providers, routing);
        var serverOptions = ReadServer(root.OptionalObject("server"));
        var adminOptions = new AdminOptions(root.OptionalObject("admin") is { } admin ? ReadMasterKey(admin) : null);
        if (serverOptions.MetricsRequireMasterKey && string.IsNullOrEmpty(adminOptions.MasterKey))
        {
            throw new ConfigException("server.metricsRequireMasterKey", "needs admin.masterKey, the key /metrics would then take");
        }
        return new ProxyConfig(
            serverOptions,
            routing,
            providers,
            models,
            KeySectionReader.Read(root, models),
            adminOptions,
            ReadStorage(root, root.OptionalObject("storage"), configFolder))
        {
            Usage = root.OptionalObject("usage") is { } usage ? ReadUsage(usage) : UsageOptions.Default,
            AccessLog = root.OptionalObject("accessLog") is { } accessLog ? ReadAccessLog(accessLog, configFolder) : null,
            Telemetry = TelemetrySectionReader.Read(root.OptionalObject("telemetry")),
            Redis = root.OptionalObject("redis") is { } redis ? ReadRedis(redis) : null,
        };
    }

    // Npgsql's own parser, so that --check-config catches what the start would; its messages name keywords, never values.
    private static void CheckPostgresConnectionString(string connectionString, string field)
    {
        Npgsql.NpgsqlConnectionStringBuilder settings;
        try
        {
            settings = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException(field, $"not a PostgreSQL connection string (Npgsql's keywords: Host=...;Database=...;Username=...;Password=...): {e.Message}");
        }
        if (string.IsNullOrWhiteSpace(settings.Host))
        {
            throw new ConfigException(field, "names no server: add Host=... (a name or an address, several separated by commas)");
        }
    }

    private static RedisOptions ReadRedis(ConfigNode redis)
    {
        redis.AllowOnly("connectionString", "expectedInstances", "keyPrefix");
        var connectionString = redis.OptionalString("connectionString");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ConfigException(redis.Child("connectionString"), "required (e.g. \"redis.internal:6379,password=${REDIS_PASSWORD}\")");
        }
        // A URL would be taken for a host name, password and all, and then printed in every connection error.
        if (connectionString.Contains("://", StringComparison.Ordinal))
        {
            throw new ConfigException(redis.Child("connectionString"),
                "a StackExchange.Redis configuration string (host:port,password=...,ssl=true), not a redis:// URL");
        }
        StackExchange.Redis.ConfigurationOptions options;
        try
        {
            options = StackExchange.Redis.ConfigurationOptions.Parse(connectionString); // so that --check-config says what is wrong
        }
        catch (ArgumentException e)
        {
            throw new ConfigException(redis.Child("connectionString"), e.Message);
        }
        if (options.EndPoints.Count == 0)
        {
            throw new ConfigException(redis.Child("connectionString"), "names no server: begin it with host:port (e.g. \"redis.internal:6379,password=...\")");
        }
        return new RedisOptions(connectionString, redis.OptionalInt("expectedInstances", 1, 1000) ?? 1,
            redis.OptionalString("keyPrefix") ?? RedisOptions.DefaultKeyPrefix);
    }

    private static ServerOptions ReadServer(ConfigNode? node)
    {
        if (node is not { } server)
        {
            return new ServerOptions(ServerOptions.DefaultUrls, ServerOptions.DefaultMaxBodyBytes);
        }
        server.AllowOnly("urls", "maxBodyBytes", "maxBufferedBodyBytes", "cors", "drainTimeoutMs", "metricsRequireMasterKey", "metricsKeyLabels",
            "watchConfig", "metrics", "metricsUrls");
        var urls = server.OptionalString("urls") ?? ServerOptions.DefaultUrls;
        ListenUris("server.urls", urls);
        var metrics = server.OptionalBool("metrics") ?? true;
        var metricsUrls = server.OptionalString("metricsUrls");
        var metricsPorts = new List<int>();
        if (metricsUrls is not null)
        {
            if (!metrics)
            {
                throw new ConfigException("server.metricsUrls", "set, but server.metrics is false: nothing would be served there");
            }
            var mainPorts = new List<int>();
            foreach (var (_, uri) in ListenUris("server.urls", urls))
            {
                mainPorts.Add(uri.Port);
            }
            foreach (var (url, uri) in ListenUris("server.metricsUrls", metricsUrls))
            {
                // Prometheus scrapes a known address, and requests are told apart by the port they arrived on.
                if (!uri.Authority.EndsWith($":{uri.Port}", StringComparison.Ordinal) || uri.Port == 0 || mainPorts.Contains(uri.Port))
                {
                    throw new ConfigException("server.metricsUrls", $"'{url}' needs a port of its own, not one of server.urls (http://0.0.0.0:9464), for Prometheus to scrape");
                }
                metricsPorts.Add(uri.Port);
            }
            if (metricsPorts.Count == 0)
            {
                throw new ConfigException("server.metricsUrls", "must hold at least one listen URL");
            }
        }
        var maxBody = server.OptionalInt("maxBodyBytes", 1024, int.MaxValue) ?? ServerOptions.DefaultMaxBodyBytes;
        var buffered = server.OptionalLong("maxBufferedBodyBytes", maxBody, long.MaxValue);
        return new ServerOptions(urls, maxBody, server.OptionalObject("cors") is { } cors ? ReadCors(cors) : null, buffered)
        {
            DrainTimeoutMs = server.OptionalInt("drainTimeoutMs", 0, 3_600_000) ?? ServerOptions.DefaultDrainTimeoutMs,
            MetricsRequireMasterKey = server.OptionalBool("metricsRequireMasterKey") ?? false,
            MetricsKeyLabels = server.OptionalBool("metricsKeyLabels") ?? false,
            WatchConfig = server.OptionalBool("watchConfig") ?? false,
            Metrics = metrics,
            MetricsUrls = metricsUrls,
            MetricsPorts = metricsPorts,
        };
    }

    /// <summary>
    /// Each <c>;</c>-separated URL of a listen list (<c>server.urls</c>, <c>server.metricsUrls</c>, <c>--urls</c>), as
    /// written and parsed; throws <see cref="ConfigException"/> naming <paramref name="field"/> for one that is not http://.
    /// </summary>
    public static List<(string Url, Uri Uri)> ListenUris(string field, string urls)
    {
        var parsed = new List<(string, Uri)>();
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            {
                throw new ConfigException(field, $"'{url}' is not an http:// listen URL (terminate TLS in front of the proxy)");
            }
            if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
            {
                throw new ConfigException(field, $"'{url}' has a path: a listen URL is http://HOST:PORT, the routes are the proxy's own");
            }
            parsed.Add((url, uri));
        }
        return parsed;
    }

    private static CorsOptions ReadCors(ConfigNode cors)
    {
        cors.AllowOnly("allowedOrigins", "allowedHeaders", "allowCredentials", "maxAgeSeconds");
        var origins = cors.OptionalStringList("allowedOrigins") is { Count: > 0 } list
            ? list
            : throw new ConfigException(cors.Child("allowedOrigins"), "required: the origins browsers may call from (https://app.example.com), or [\"*\"]");
        for (var i = 0; i < origins.Count; i++)
        {
            if (origins[i] != "*" && (!Uri.TryCreate(origins[i], UriKind.Absolute, out var origin) || origin.AbsolutePath != "/" || origins[i].EndsWith('/')))
            {
                throw new ConfigException($"{cors.Child("allowedOrigins")}[{i}]", $"'{origins[i]}' is not an origin (scheme://host[:port], no path)");
            }
        }
        var credentials = cors.OptionalBool("allowCredentials") ?? false;
        if (credentials && origins.Contains("*"))
        {
            throw new ConfigException(cors.Child("allowCredentials"), "cannot be true with the origin \"*\" (browsers refuse it)");
        }
        return new CorsOptions(origins, cors.OptionalStringList("allowedHeaders") ?? ["*"], credentials,
            cors.OptionalInt("maxAgeSeconds", 0, 86400) ?? CorsOptions.DefaultMaxAgeSeconds);
    }

    private static RoutingDefaults ReadRouting(ConfigNode? node)
    {
        var defaults = RoutingDefaults.Default;
        if (node is not { } routing)
        {
            return defaults;
        }
        routing.AllowOnly("retries", "connectTimeoutMs", "firstByteTimeoutMs", "idleTimeoutMs", "timeoutMs", "maxTokensDefault",
            "retryBaseDelayMs", "retryMaxDelayMs", "deadlineMs", "cooldownFailures", "cooldownWindowMs", "cooldownMs");
        return new RoutingDefaults(
            routing.OptionalInt("retries", 0, 10) ?? defaults.Retries,
            routing.OptionalInt("connectTimeoutMs", 1, int.MaxValue) ?? defaults.ConnectTimeoutMs,
            routing.OptionalInt("firstByteTimeoutMs", 1, int.MaxValue) ?? defaults.FirstByteTimeoutMs,
            routing.OptionalInt("idleTimeoutMs", 1, int.MaxValue) ?? defaults.IdleTimeoutMs,
            routing.OptionalInt("timeoutMs", 1, int.MaxValue) ?? defaults.TimeoutMs,
            routing.OptionalInt("maxTokensDefault", 1, int.MaxValue) ?? defaults.MaxTokensDefault,
            routing.OptionalInt("retryBaseDelayMs", 1, int.MaxValue) ?? defaults.RetryBaseDelayMs,
            routing.OptionalInt("retryMaxDelayMs", 1, int.MaxValue) ?? defaults.RetryMaxDelayMs,
            routing.OptionalInt("deadlineMs", 1, int.MaxValue) ?? defaults.DeadlineMs,
            routing.OptionalInt("cooldownFailures", 1, 1000) ?? defaults.CooldownFailures,
            routing.OptionalInt("cooldownWindowMs", 1, int.MaxValue) ?? defaults.CooldownWindowMs,
            routing.OptionalInt("cooldownMs", 1, int.MaxValue) ?? defaults.CooldownMs);
    }

    private static List<ProviderConfig> ReadProviders(ConfigNode section)
    {
        var providers = new List<ProviderConfig>();
        foreach (var (name, value) in section.Properties())
        {
            var node = section.Wrap(value, section.Child(name));
            if (providers.Exists(p => p.Name == name))
            {
                throw new ConfigException(node.Path, "is defined twice");
            }
            node.AllowOnly("type", "baseUrl", "apiKey", "apiVersion", "region", "accessKeyId", "secretAccessKey", "sessionToken", "latencyMs", "tokensPerSecond",
                "responsesApi");
            providers.Add(new ProviderConfig(
                name,
                node.RequiredString("type"),
                node.OptionalHttpUrl("baseUrl"),
                node.OptionalString("apiKey"),
                node.OptionalString("apiVersion"),
                node.OptionalString("region"),
                node.OptionalString("accessKeyId"),
                node.OptionalString("secretAccessKey"),
                node.OptionalString("sessionToken"),
                node.OptionalInt("latencyMs", 0, 600_000) ?? 0,
                (double)(node.OptionalDecimal("tokensPerSecond", 0) ?? 0))
            {
                ResponsesApi = node.OptionalBool("responsesApi"),
            });
        }
        if (providers.Count == 0)
        {
            throw new ConfigException("providers", "at least one provider is required");
        }
        return providers;
    }

    private static string? ReadMasterKey(ConfigNode admin)
    {
        admin.AllowOnly("masterKey");
        return admin.OptionalString("masterKey");
    }

    private static UsageOptions ReadUsage(ConfigNode usage)
    {
        usage.AllowOnly("ledger", "queueCapacity", "reserveOutputTokens");
        return new UsageOptions(
            usage.OptionalBool("ledger") ?? UsageOptions.Default.Ledger,
            usage.OptionalInt("queueCapacity", 1, 16_777_216) ?? UsageOptions.Default.QueueCapacity,
            usage.OptionalInt("reserveOutputTokens", 0, int.MaxValue) ?? UsageOptions.Default.ReserveOutputTokens);
    }

    private static AccessLogOptions ReadAccessLog(ConfigNode accessLog, string configFolder)
    {
        accessLog.AllowOnly("path", "maxFileBytes", "maxFiles");
        var path = accessLog.OptionalString("path") ?? AccessLogOptions.StandardOutput;
        return new AccessLogOptions(
            path == AccessLogOptions.StandardOutput ? null : ResolvePath(path, configFolder, accessLog.Child("path")),
            accessLog.OptionalLong("maxFileBytes", 4096, long.MaxValue) ?? AccessLogOptions.DefaultMaxFileBytes,
            accessLog.OptionalInt("maxFiles", 0, 1000) ?? AccessLogOptions.DefaultMaxFiles);
    }

    private static StorageOptions ReadStorage(ConfigNode root, ConfigNode? node, string configFolder)
    {
        var defaultPath = root.Expand(StorageOptions.DefaultPath, "storage.path");
        if (node is not { } storage)
        {
            return new StorageOptions(StorageOptions.DefaultType, Path.GetFullPath(defaultPath, configFolder), null, StorageOptions.DefaultResponsesTtlDays);
        }
        storage.AllowOnly("type", "path", "connectionString", "responsesTtlDays", "encryptionKey");
        var type = storage.OptionalString("type") ?? StorageOptions.DefaultType;
        if (!StorageOptions.Types.Contains(type))
        {
            throw new ConfigException(storage.Child("type"), $"unknown storage type '{type}' (expected one of: {string.Join(", ", StorageOptions.Types)})");
        }
        var path = storage.OptionalString("path");
        var connectionString = storage.OptionalString("connectionString");
        // Each type has its one way to the data: the other's setting would be silently unused, a mistake worth a word.
        if (type == StorageOptions.Postgres && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ConfigException(storage.Child("connectionString"), "required when storage.type is \"postgres\" (e.g. \"Host=db;Database=llm_proxy;Username=llm_proxy;Password=${PGPASSWORD}\")");
        }
        if (type == StorageOptions.Postgres && path is not null)
        {
            throw new ConfigException(storage.Child("path"), "a SQLite file's path; storage.type \"postgres\" uses storage.connectionString");
        }
        if (type != StorageOptions.Postgres && connectionString is not null)
        {
            throw new ConfigException(storage.Child("connectionString"), $"only for storage.type \"postgres\"; \"{type}\" uses storage.path");
        }
        if (type == StorageOptions.Postgres)
        {
            CheckPostgresConnectionString(connectionString!, storage.Child("connectionString"));
        }
        return new StorageOptions(
            type,
            ResolvePath(path ?? defaultPath, configFolder, storage.Child("path")),
            connectionString,
            storage.OptionalInt("responsesTtlDays", 1, 36500) ?? StorageOptions.DefaultResponsesTtlDays)
        {
            EncryptionKey = ReadEncryptionKey(storage.OptionalString("encryptionKey"), storage.Child("encryptionKey")),
        };
    }

    // Base64 of exactly 32 bytes (AES-256): `openssl rand -base64 32` makes one.
    private static byte[]? ReadEncryptionKey(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }
        var key = new byte[32];
        return Convert.TryFromBase64String(value.Trim(), key, out var written) && written == 32
            ? key
            : throw new ConfigException(field, "must be 32 bytes in base64 (make one with: openssl rand -base64 32)");
    }

    private static string ResolvePath(string path, string configFolder, string field)
    {
        if (path.Trim().Length == 0)
        {
            throw new ConfigException(field, "must not be empty");
        }
        if (path.Contains('\0'))
        {
            throw new ConfigException(field, "must not contain a NUL character");
        }
        return Path.GetFullPath(path, configFolder);
    }
}
