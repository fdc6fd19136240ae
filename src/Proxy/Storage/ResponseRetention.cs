namespace LlmProxy.Storage;

/// <summary>
/// Deletes expired responses: once at start-up, then every <see cref="Interval"/> on the injected
/// <see cref="TimeProvider"/> (so tests can advance it). Reads already ignore expired rows; this only gives the
/// space back. A failed pass (disk error, lock held too long) is logged and retried at the next one, never
/// stopping the proxy.
/// </summary>
internal sealed partial class ResponseRetention(IResponseStore store, TimeProvider time, ILogger<ResponseRetention> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                await DeleteExpiredAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await store.DeleteExpiredAsync(time.GetUtcNow().ToUnixTimeSeconds(), cancellationToken);
            if (deleted > 0)
            {
                LogDeleted(logger, deleted);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e);
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "deleted {Count} expired responses")]
    private static partial void LogDeleted(ILogger logger, int count);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "deleting expired responses failed; trying again at the next pass")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
