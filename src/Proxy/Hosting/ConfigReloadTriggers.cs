using System.Runtime.InteropServices;

namespace LlmProxy.Hosting;

/// <summary>
/// What starts a <see cref="ConfigReload"/>: SIGHUP (<c>systemctl reload llm-proxy</c>, the unit's <c>ExecReload=</c>),
/// and, when <c>server.watchConfig</c> is on, a change in the config file's folder that changes the file's text. The
/// folder is watched rather than the file so that editors that save by renaming a new file over the old one, and
/// Kubernetes' ConfigMap volumes (which swap their <c>..data</c> symlink), are seen; events for other files are ignored,
/// and the file's are gathered for <see cref="Settle"/> so a save written in several steps is read once, whole.
/// </summary>
internal sealed partial class ConfigReloadTriggers(ConfigReload reload, bool watchFile, TimeProvider time, ILogger<ConfigReloadTriggers> logger)
    : IHostedService, IDisposable
{
    /// <summary>How long the folder must be quiet after a change before the file is read.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    private readonly CancellationTokenSource _stopping = new();
    private PosixSignalRegistration? _hangup;
    private readonly List<FileSystemWatcher> _watchers = [];
    private ITimer? _settle;
    private string? _lastSeen;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true; // SIGHUP's default action ends the process
            LogSignal(logger, reload.Path);
            _ = ReloadAsync();
        });
        if (watchFile)
        {
            _lastSeen = ReadOrNull();
            _settle = time.CreateTimer(_ => OnSettled(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            var path = System.IO.Path.GetFullPath(reload.Path);
            Watch(path);
            // A config that is a symbolic link to a file elsewhere changes there: that folder is watched too.
            if (File.ResolveLinkTarget(path, returnFinalTarget: true) is { } target
                && System.IO.Path.GetDirectoryName(target.FullName) != System.IO.Path.GetDirectoryName(path))
            {
                Watch(target.FullName);
            }
        }
        return Task.CompletedTask;
    }

    private void Watch(string file)
    {
        var watcher = new FileSystemWatcher(System.IO.Path.GetDirectoryName(file)!)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        var name = System.IO.Path.GetFileName(file);
        watcher.Changed += (_, e) => Restart(name, e.Name);
        watcher.Created += (_, e) => Restart(name, e.Name);
        watcher.Deleted += (_, e) => Restart(name, e.Name);
        watcher.Renamed += (_, e) =>
        {
            Restart(name, e.Name);
            Restart(name, e.OldName);
        };
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _hangup?.Dispose();
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
        _settle?.Dispose();
        _stopping.Dispose();
    }

    // Only the config file itself, and Kubernetes' "..data" symlink swap, restart the settle clock: other files in the
    // folder (an access log written every few milliseconds) must not keep putting the reload off.
    private void Restart(string configName, string? changed)
    {
        if (changed is not null && (changed == configName || changed.StartsWith("..", StringComparison.Ordinal)))
        {
            _settle?.Change(Settle, Timeout.InfiniteTimeSpan);
        }
    }

    // A file that is gone (mid-rename) or unchanged (a touch, another file in the folder) is no reason to reload.
    private void OnSettled()
    {
        var text = ReadOrNull();
        if (text is null || text == _lastSeen)
        {
            return;
        }
        _lastSeen = text;
        LogFileChanged(logger, reload.Path);
        _ = ReloadAsync();
    }

    private string? ReadOrNull()
    {
        try
        {
            return File.ReadAllText(reload.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task ReloadAsync()
    {
        try
        {
            await reload.ReloadAsync(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // stopping: the reload no longer matters
        }
        catch (Exception e)
        {
            // Nothing was swapped (that is the last step): the running config stays.
            LogFailed(logger, e);
        }
    }

    [LoggerMessage(EventId = 25, Level = LogLevel.Error, Message = "config reload failed, the running config stays")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "SIGHUP: reloading the config from {Path}")]
    private static partial void LogSignal(ILogger logger, string path);

    [LoggerMessage(EventId = 24, Level = LogLevel.Information, Message = "{Path} changed: reloading the config")]
    private static partial void LogFileChanged(ILogger logger, string path);
}
