using System.Data.Common;
using LlmProxy.Usage;

namespace LlmProxy.Storage;

/// <summary>
/// The usage ledger's table, <c>usage</c>, in a <see cref="SqlDatabase"/>: reports and budget sums here, in SQL both
/// SQLite and PostgreSQL run; appending batches, which each does its own fastest way, in <see cref="SqliteUsageStore"/>
/// and <see cref="PostgresUsageStore"/>. Costs are summed exactly past 64 bits: SQLite's <c>sum()</c> of integers fails
/// with "integer overflow" at 2^63 pico-USD (about 9.2 million USD), so each query sums whole micro-USD
/// (<c>cost_pusd / 1000000</c>) and the remainders (<c>cost_pusd % 1000000</c>) apart, each far from overflowing, and
/// <see cref="Cost"/> joins them in an <see cref="Int128"/>. (Both databases' <c>/</c> and <c>%</c> truncate toward zero,
/// so quotient * 10^6 + remainder is the cost for negative costs too.)
/// </summary>
internal abstract class SqlUsageStore(SqlDatabase database) : IUsageStore
{
    // CAST: PostgreSQL's sum() of bigint is numeric; SQLite's CAST to bigint is a no-op on its integers.
    private const string CostSums = "CAST(sum(cost_pusd / 1000000) AS bigint) AS micro, CAST(sum(cost_pusd % 1000000) AS bigint) AS pico";

    public abstract Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken, Guid batchId = default);

    public Task<IReadOnlyList<UsageTotals>> SummarizeAsync(long fromUnixMs, long toUnixMs, UsageGrouping groupBy, CancellationToken cancellationToken)
    {
        var (group, name) = groupBy switch
        {
            UsageGrouping.Key => ("key_id",
                // The key's name now, or for a deleted key (or one from the config file) the name of its last request.
                "coalesce((SELECT name FROM keys WHERE id = g.grp), (SELECT key_name FROM usage WHERE key_id = g.grp ORDER BY time DESC LIMIT 1))"),
            UsageGrouping.Team => ("team_id", "(SELECT name FROM teams WHERE id = g.grp)"),
            UsageGrouping.Model => ("model", "NULL"),
            UsageGrouping.Provider => ("provider", "NULL"),
            UsageGrouping.Day => (database.UtcDayOf("time"), "NULL"),
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "not a usage grouping"),
        };
        return database.ReadAsync<IReadOnlyList<UsageTotals>>(connection =>
        {
            using var command = connection.CreateCommand();
            // NULL first and text compared by bytes, as the interface promises.
            command.CommandText = $"""
                SELECT g.grp, {name}, g.requests, g.input, g.cached, g.cache_write, g.output, g.reasoning, g.micro, g.pico
                FROM (
                    SELECT {group} AS grp, count(*) AS requests, CAST(sum(input_tokens) AS bigint) AS input,
                        CAST(sum(cached_input_tokens) AS bigint) AS cached, CAST(sum(cache_write_tokens) AS bigint) AS cache_write,
                        CAST(sum(output_tokens) AS bigint) AS output, CAST(sum(reasoning_tokens) AS bigint) AS reasoning, {CostSums}
                    FROM usage WHERE time >= @from AND time < @to GROUP BY 1
                ) AS g
                ORDER BY g.grp{database.ByteOrder} NULLS FIRST
                """;
            command.Bind("@from", fromUnixMs);
            command.Bind("@to", toUnixMs);
            using var reader = command.ExecuteReader();
            var totals = new List<UsageTotals>();
            while (reader.Read())
            {
                totals.Add(new UsageTotals(
                    reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2),
                    reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), Cost(reader, 8)));
            }
            return totals;
        }, cancellationToken);
    }

    public Task<Int128> SpentAsync(string subjectId, UsageGrouping groupBy, long sinceUnixMs, CancellationToken cancellationToken)
    {
        var group = SubjectColumn(groupBy);
        return database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            // Through the (subject, time) index: one key's or team's rows of the period, however large the ledger.
            command.CommandText = $"SELECT {CostSums} FROM usage WHERE {group} = @id AND time >= @since";
            command.Bind("@id", subjectId);
            command.Bind("@since", sinceUnixMs);
            using var reader = command.ExecuteReader();
            return reader.Read() && !reader.IsDBNull(0) ? Cost(reader, 0) : 0;
        }, cancellationToken);
    }

    public Task<IReadOnlyDictionary<string, Int128>> SpentSinceAsync(long sinceUnixMs, UsageGrouping groupBy, CancellationToken cancellationToken)
    {
        var group = SubjectColumn(groupBy);
        return database.ReadAsync<IReadOnlyDictionary<string, Int128>>(connection =>
        {
            using var command = connection.CreateCommand();
            // Only the period's rows through the time index, which stays cheap as the ledger grows for years (SQLite would
            // walk the whole (key_id, time) index to group in order: see SqlDatabase.Unindexed).
            command.CommandText = $"SELECT {group}, {CostSums} FROM usage WHERE time >= @since AND {group} IS NOT NULL GROUP BY {database.Unindexed(group)}";
            command.Bind("@since", sinceUnixMs);
            using var reader = command.ExecuteReader();
            var spent = new Dictionary<string, Int128>(StringComparer.Ordinal);
            while (reader.Read())
            {
                spent[reader.GetString(0)] = Cost(reader, 1);
            }
            return spent;
        }, cancellationToken);
    }

    private static string SubjectColumn(UsageGrouping groupBy) => groupBy switch
    {
        UsageGrouping.Key => "key_id",
        UsageGrouping.Team => "team_id",
        _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "budgets are per key or per team"),
    };

    private static Int128 Cost(DbDataReader reader, int microColumn) =>
        (Int128)reader.GetInt64(microColumn) * 1_000_000 + reader.GetInt64(microColumn + 1);
}
