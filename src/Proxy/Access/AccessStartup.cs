using LlmProxy.Config;
using LlmProxy.Storage;

namespace LlmProxy.Access;

/// <summary>
/// Before the proxy serves (hosted services start before Kestrel listens): loads the stored keys and teams into the
/// <see cref="AccessDirectory"/>, restores each budget's spend in its current period from the usage ledger, so a
/// restart neither forgets a key nor resets what it spent, and removes rotated-out secrets whose grace has ended.
/// </summary>
internal sealed class AccessStartup(AccessDirectory directory, IAccessStore access, IUsageStore usage, IRequestLimiter limiter, TimeProvider time)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await access.DeleteExpiredSecretsAsync(now.ToUnixTimeSeconds(), cancellationToken);
        directory.Load(await access.LoadAsync(cancellationToken));
        var spent = new Dictionary<(BudgetPeriod, UsageGrouping), IReadOnlyDictionary<string, Int128>>();
        foreach (var key in directory.Keys)
        {
            await RestoreAsync(key.Id, key.Limits, UsageGrouping.Key);
        }
        foreach (var team in directory.Teams)
        {
            await RestoreAsync(team.Id, team.Limits, UsageGrouping.Team);
        }

        // One ledger query per period kind and grouping, however many keys share it.
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

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
