using Microsoft.Extensions.Hosting.Systemd;

namespace LlmProxy.Hosting;

/// <summary>
/// Running as a systemd service (config/llm-proxy.service, <c>Type=notify</c>): <c>READY=1</c> once the proxy
/// listens and <c>STOPPING=1</c> when it stops, sent to <c>$NOTIFY_SOCKET</c> by .NET's systemd integration
/// (sd_notify(3)), and <c>WATCHDOG=1</c> pings when the unit sets <c>WatchdogSec=</c> (<see cref="SystemdWatchdog"/>); under journald, log lines carry its <c>&lt;N&gt;</c> priority prefix instead of a timestamp.
/// </summary>
/// <remarks>
/// Not <c>UseSystemd()</c>: it decides by reading the parent's <c>/proc/PID/comm</c>, and the unit's
/// <c>ProtectProc=invisible</c> hides PID 1 (systemd, root) from the service's dynamic user, so it would never notify
/// and systemd would kill the start as timed out (dotnet/runtime#125368). systemd sets <c>$NOTIFY_SOCKET</c> for a
/// notify service and <c>$JOURNAL_STREAM</c> when its output goes to the journal: those are what this goes by.
/// </remarks>
internal static class SystemdIntegration
{
    /// <summary>True when standard output goes to the journal.</summary>
    public static bool LogsToJournal { get; } = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));

    /// <summary>Replaces the console lifetime with systemd's (which also stops on SIGTERM) when systemd waits for READY=1.</summary>
    public static void AddSystemdNotify(this IServiceCollection services)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")))
        {
            services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
            if (SystemdWatchdog.Interval() is not null)
            {
                services.AddHostedService<SystemdWatchdog>();
            }
        }
    }
}
