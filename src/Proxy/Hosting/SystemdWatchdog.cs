using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting.Systemd;

namespace LlmProxy.Hosting;

/// <summary>
/// systemd's watchdog (the unit's <c>WatchdogSec=</c>; sd_watchdog_enabled(3)): when systemd asks this process for
/// pings (<c>$WATCHDOG_USEC</c>, and <c>$WATCHDOG_PID</c> naming it or unset), sends <c>WATCHDOG=1</c> every half
/// interval, each time only after the proxy answered its own <c>GET /health/live</c> over loopback within a quarter
/// interval. A proxy whose request loop hangs stops pinging, and systemd restarts it. A listener the check cannot reach
/// over plain HTTP (https only, a unix socket) is vouched for by this loop still running on the thread pool.
/// </summary>
internal sealed partial class SystemdWatchdog(ISystemdNotifier notifier, IServer server, IHostApplicationLifetime lifetime,
    ILogger<SystemdWatchdog> logger) : BackgroundService
{
    private static readonly ServiceState Ping = new("WATCHDOG=1");

    /// <summary>The interval systemd expects pings within, or null when it expects none from this process.</summary>
    public static TimeSpan? Interval()
    {
        if (!long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            return null;
        }
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null; // meant for another process (a wrapper that started this one)
        }
        return TimeSpan.FromMicroseconds(usec);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Interval() is not { } interval || !await StartedAsync(stoppingToken))
        {
            return;
        }
        var probe = LiveUri(server.Features.Get<IServerAddressesFeature>()?.Addresses);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = interval / 4 };
        using var timer = new PeriodicTimer(interval / 2);
        try
        {
            do
            {
                // Draining, the proxy no longer listens, on purpose: it is alive, and systemd's stop timeout governs now.
                if (probe is null || lifetime.ApplicationStopping.IsCancellationRequested || await AnswersAsync(http, probe, stoppingToken))
                {
                    notifier.Notify(Ping);
                }
                else
                {
                    LogUnanswered(logger, probe);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // Shutting down: systemd stops expecting pings once it is told STOPPING=1.
        }
    }

    /// <summary>The first plain-HTTP listening address as a loopback URL of <c>/health/live</c>; null when there is none.</summary>
    public static Uri? LiveUri(ICollection<string>? addresses)
    {
        foreach (var address in addresses ?? [])
        {
            // Kestrel writes a unix socket listener as http://unix:/path.
            if (!address.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || address.StartsWith("http://unix:/", StringComparison.OrdinalIgnoreCase)
                || !Uri.TryCreate(address.Replace("://+:", "://0.0.0.0:").Replace("://*:", "://0.0.0.0:"), UriKind.Absolute, out var uri))
            {
                continue;
            }
            var host = uri.Host switch
            {
                "0.0.0.0" => "127.0.0.1",
                "[::]" => "[::1]",
                var named => named,
            };
            return new Uri($"http://{host}:{uri.Port.ToString(CultureInfo.InvariantCulture)}/health/live");
        }
        return null;
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return started.Task.IsCompleted;
    }

    private static async Task<bool> AnswersAsync(HttpClient http, Uri probe, CancellationToken stoppingToken)
    {
        try
        {
            using var response = await http.GetAsync(probe, stoppingToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning,
        Message = "the watchdog check {Probe} was not answered in time: no ping this time; systemd restarts the proxy if that goes on")]
    private static partial void LogUnanswered(ILogger logger, Uri probe);
}
