using LlmProxy.Usage;

namespace LlmProxy.Storage;

/// <summary>
/// The usage ledger: one <see cref="UsageRecord"/> per request, appended in batches off the request path, summed for
/// reports and budgets. Costs are kept exact (10^-12 USD integers) and summed without rounding. Safe for concurrent use.
/// </summary>
internal interface IUsageStore
{
    /// <summary>
    /// Appends <paramref name="records"/> in one transaction: all of them or none. When the task completes they survive
    /// the process crashing; a power cut may lose the last batches (the ledger's records are at that risk in its queue anyway).
    /// May block the caller for the whole transaction (SQLite's does): only the ledger's own writer thread calls it.
    /// <paramref name="batchId"/> names the batch across retries: a batch whose commit reached a remote database but whose
    /// answer did not (the connection dropped) is not written twice when retried (PostgreSQL; SQLite commits in process
    /// and has no such doubt). <see cref="Guid.Empty"/>: not named, written as given.
    /// </summary>
    Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken, Guid batchId = default);

    /// <summary>
    /// The records with <see cref="UsageRecord.Time"/> in [<paramref name="fromUnixMs"/>, <paramref name="toUnixMs"/>)
    /// summed per <paramref name="groupBy"/>, ordered by group (nulls first).
    /// </summary>
    Task<IReadOnlyList<UsageTotals>> SummarizeAsync(long fromUnixMs, long toUnixMs, UsageGrouping groupBy, CancellationToken cancellationToken);

    /// <summary>
    /// The cost of every record since <paramref name="sinceUnixMs"/> (inclusive) per key id (<paramref name="groupBy"/>
    /// <see cref="UsageGrouping.Key"/>) or team id (<see cref="UsageGrouping.Team"/>, records of no team left out), to
    /// restore budgets at start-up.
    /// </summary>
    Task<IReadOnlyDictionary<string, Int128>> SpentSinceAsync(long sinceUnixMs, UsageGrouping groupBy, CancellationToken cancellationToken);

    /// <summary>As <see cref="SpentSinceAsync"/> for the one key or team <paramref name="subjectId"/>; 0 when it has no records.</summary>
    Task<Int128> SpentAsync(string subjectId, UsageGrouping groupBy, long sinceUnixMs, CancellationToken cancellationToken);
}
