using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Hosting.Systemd;
using LlmProxy.Config;
using LlmProxy.Providers;

namespace LlmProxy.Hosting;

/// <summary>
/// Live reload of the config file (on SIGHUP, or on a change of the file when <c>server.watchConfig</c> is on: see
/// <see cref="ConfigReloadTriggers"/>). The file is read and validated whole, as at start-up (<c>--check-config</c>'s
/// checks, then every provider built, then the config keys' names checked against the stored keys'); only then are
/// the providers, models, routing policy and config keys swapped in, together, for the next request. Requests and
/// streams in flight keep the route and key they started with. A file that fails any check changes nothing: the
/// error is logged as the one line the start-up prints (<c>config error: FIELD: REASON</c>) and the running config
/// stays. The other sections (server, admin, storage, usage, accessLog, telemetry) hold listeners, files and
/// databases: a change to them is logged as waiting for the next restart. Under systemd the reload is announced
/// (<c>RELOADING=1</c>, then <c>READY=1</c>; sd_notify(3)).
/// </summary>
internal sealed partial class ConfigReload
{
    /// <summary>The sections a reload does not apply, in the order a warning names them.</summary>
    public static readonly string[] RestartOnlySections = ["server", "admin", "storage", "redis", "usage", "accessLog", "telemetry"];

    private static readonly JsonDocumentOptions CompareOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly ProxyRuntime _runtime;
    private readonly ProviderServices _services;
    private readonly ISystemdNotifier? _systemd;
    private readonly ILogger _logger;
    private readonly string _startText;
    private ProxyConfig _config;

    public ConfigReload(string path, ProxyRuntime runtime, ProviderServices services, ILogger<ConfigReload> logger, ISystemdNotifier? systemd = null)
    {
        Path = path;
        _runtime = runtime;
        _config = runtime.Config;
        _services = services;
        _logger = logger;
        _systemd = systemd;
        // What the proxy started from: the restart-only sections in force are its, whatever reloads came since.
        try
        {
            _startText = ConfigLoader.ReadText(path);
        }
        catch (ConfigException)
        {
            _startText = "";
        }
    }

    /// <summary>The config file, as given on the command line.</summary>
    public string Path { get; }

    /// <summary>Reloads the file; false when it was refused (the error logged, the running config kept). One reload at a time.</summary>
    public async Task<bool> ReloadAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            _systemd?.Notify(new ServiceState($"RELOADING=1\nMONOTONIC_USEC={MonotonicMicroseconds()}"));
            string text;
            ProxyConfig next;
            try
            {
                text = ConfigLoader.ReadText(Path);
                next = ConfigLoader.Parse(text, Path, EnvironmentExpander.Process);
                var providers = ProxyRuntime.BuildProviders(next, _services);
                var previous = _config;
                var routes = _runtime.Catalog.Prepare(next.Models, providers, next.Routing, name => SameProvider(previous, next, name));
                var swapped = false;
                try
                {
                    await _runtime.Keys.ReplaceConfigKeysAsync(next.Keys, () =>
                    {
                        _runtime.Catalog.Swap(routes);
                        swapped = true;
                    }, cancellationToken);
                }
                catch (Exception e) when (swapped)
                {
                    // Serving the new config already; only restoring new budgets' spend from the ledger failed.
                    LogBudgetsNotRestored(_logger, e);
                }
            }
            catch (ConfigException e)
            {
                LogRefused(_logger, e.Message);
                return false;
            }
            finally
            {
                _systemd?.Notify(ServiceState.Ready);
            }
            var waiting = ChangedSections(_startText, text);
            _config = next;
            LogReloaded(_logger, Path, next.Models.Count, next.Providers.Count, next.Keys.Count);
            if (waiting.Length > 0)
            {
                LogRestartNeeded(_logger, waiting);
            }
            return true;
        }
        finally
        {
            _one.Release();
        }
    }

    private static bool SameProvider(ProxyConfig previous, ProxyConfig next, string name)
    {
        ProviderConfig? before = null, after = null;
        foreach (var provider in previous.Providers)
        {
            before = provider.Name == name ? provider : before;
        }
        foreach (var provider in next.Providers)
        {
            after = provider.Name == name ? provider : after;
        }
        return before is not null && before == after;
    }

    // The restart-only sections whose JSON differs between the two texts (comments and layout aside), comma-separated.
    private static string ChangedSections(string before, string after)
    {
        JsonDocument old;
        try
        {
            old = JsonDocument.Parse(before, CompareOptions);
        }
        catch (JsonException)
        {
            return ""; // the text the proxy started from was unreadable when this began: nothing to compare
        }
        using var _ = old;
        using var now = JsonDocument.Parse(after, CompareOptions);
        var changed = new List<string>();
        foreach (var name in RestartOnlySections)
        {
            var had = old.RootElement.TryGetProperty(name, out var was);
            var has = now.RootElement.TryGetProperty(name, out var @is);
            if (had != has || (had && !JsonElement.DeepEquals(was, @is)))
            {
                changed.Add(name);
            }
        }
        return string.Join(", ", changed);
    }

    // systemd wants CLOCK_MONOTONIC, which Stopwatch reads on Linux.
    private static long MonotonicMicroseconds() => (long)(Stopwatch.GetTimestamp() * (1_000_000.0 / Stopwatch.Frequency));

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "config reloaded from {Path}: {Models} models, {Providers} providers, {Keys} keys")]
    private static partial void LogReloaded(ILogger logger, string path, int models, int providers, int keys);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "config reload refused, the running config stays: config error: {Message}")]
    private static partial void LogRefused(ILogger logger, string message);

    [LoggerMessage(EventId = 26, Level = LogLevel.Error, Message = "config reloaded, but the spend of keys given a new budget could not be read from the usage ledger")]
    private static partial void LogBudgetsNotRestored(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "config reloaded, but changes to {Sections} take effect at the next restart")]
    private static partial void LogRestartNeeded(ILogger logger, string sections);
}
