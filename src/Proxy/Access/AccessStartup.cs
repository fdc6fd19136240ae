using LlmProxy.Config;
using LlmProxy.Storage;

namespace LlmProxy.Access;

/// <summary>
/// Before the proxy serves: loads the stored keys and teams into the <see cref="AccessDirectory"/> and removes
/// rotated-out secrets whose grace has ended (<see cref="LoadAsync"/>, while the app is built), then restores each
/// budget's spend in its current period from the usage ledger (hosted services start before Kestrel listens), so a
/// restart neither forgets a key nor resets what it spent.
/// Afterwards it restores the spend of every key or team an admin change gives a new budget or period, so a budget
/// set on a key that has already spent counts what it spent (as far as the ledger has been written: a batch's lag).
/// With budgets shared through Redis, it also restores every budget's spend from the ledger as soon as Redis goes away
/// and every <see cref="OutageRefresh"/> while it stays away: each instance then counts on what all of them spent (as
/// far as the ledger has it), not only on what it last heard from Redis.
/// </summary>
internal sealed class AccessStartup(AccessDirectory directory, IAccessStore access, IUsageStore usage, IRequestLimiter limiter, TimeProvider time)
    : IHostedService
{
    /// <summary>How often the budgets' spend is read from the ledger while Redis is away.</summary>
    public static readonly TimeSpan OutageRefresh = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopping = new();
    private Task _outages = Task.CompletedTask;

    /// <summary>
    /// Loads the stored keys and teams; throws <see cref="ConfigException"/> when a config key has a stored key's name.
    /// Called while the app is built, so that this stops the start with one line as other config errors do.
    /// </summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await access.DeleteExpiredSecretsAsync(time.GetUtcNow().ToUnixTimeSeconds(), cancellationToken);
        directory.Load(await access.LoadAsync(cancellationToken));
        AccessDirectory.RefuseSharedNames(directory.Keys);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RestoreAsync(directory.Keys, directory.Teams, cancellationToken);
        directory.BudgetsChanged = RestoreAsync;
        directory.Removed = limiter.Forget;
        if (limiter is RedisRequestLimiter shared)
        {
            _outages = Task.Run(() => RefreshDuringOutagesAsync(shared, _stopping.Token));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _outages.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    // Looks every second whether Redis is away; then reads the ledger at once, and again every OutageRefresh.
    private async Task RefreshDuringOutagesAsync(RedisRequestLimiter shared, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var last = DateTimeOffset.MinValue;
        while (await timer.WaitForNextTickAsync(stopping))
        {
            var now = time.GetUtcNow();
            if (!shared.Degraded)
            {
                last = DateTimeOffset.MinValue;
                continue;
            }
            if (now - last < OutageRefresh)
            {
                continue;
            }
            last = now;
            try
            {
                await RestoreAsync(directory.Keys, directory.Teams, stopping);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database away too: the copies held count on.
            }
        }
    }

    private async Task RestoreAsync(IReadOnlyList<ClientKey> keys, IReadOnlyList<Team> teams, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // One ledger query per period kind and grouping, however many keys share it.
        var spent = new Dictionary<(BudgetPeriod, UsageGrouping), IReadOnlyDictionary<string, Int128>>();
        foreach (var key in keys)
        {
            await RestoreAsync(key.Id, key.Limits, UsageGrouping.Key);
        }
        foreach (var team in teams)
        {
            await RestoreAsync(team.Id, team.Limits, UsageGrouping.Team);
        }

        async Task RestoreAsync(string id, AccessLimits limits, UsageGrouping grouping)
        {
            if (limits.BudgetUsd is null)
            {
                return;
            }
            if (!spent.TryGetValue((limits.BudgetPeriod, grouping), out var sums))
            {
                var since = BudgetCalendar.Start(limits.BudgetPeriod, now).ToUnixTimeMilliseconds();
                spent[(limits.BudgetPeriod, grouping)] = sums = await usage.SpentSinceAsync(since, grouping, cancellationToken);
            }
            limiter.RestoreSpent(id, limits.BudgetPeriod, sums.GetValueOrDefault(id));
        }
    }
}
