using LlmProxy.Usage;
using Microsoft.Data.Sqlite;

namespace LlmProxy.Storage;

/// <summary>
/// <see cref="IUsageStore"/> in the <c>usage</c> table of a <see cref="SqliteDatabase"/>, which it shares and does not
/// dispose. Costs are summed exactly past 64 bits: SQLite's <c>sum()</c> of integers fails with "integer overflow" at
/// 2^63 pico-USD (about 9.2 million USD), so each query sums whole micro-USD (<c>cost_pusd / 1000000</c>) and the
/// remainders (<c>cost_pusd % 1000000</c>) apart, each far from overflowing, and <see cref="Cost"/> joins them in an
/// <see cref="Int128"/>. (SQLite's <c>/</c> and <c>%</c> truncate toward zero, so quotient * 10^6 + remainder is the
/// cost for negative costs too.)
/// </summary>
internal sealed class SqliteUsageStore(SqliteDatabase database) : IUsageStore
{
    private const string CostSums = "sum(cost_pusd / 1000000) AS micro, sum(cost_pusd % 1000000) AS pico";

    private static readonly (string Name, SqliteType Type)[] Columns =
    [
        ("time", SqliteType.Integer), ("key_id", SqliteType.Text), ("key_name", SqliteType.Text), ("team_id", SqliteType.Text),
        ("model", SqliteType.Text), ("provider", SqliteType.Text), ("deployment_model", SqliteType.Text), ("dialect", SqliteType.Text),
        ("status", SqliteType.Integer), ("error_class", SqliteType.Text), ("input_tokens", SqliteType.Integer), ("output_tokens", SqliteType.Integer),
        ("cached_input_tokens", SqliteType.Integer), ("cache_write_tokens", SqliteType.Integer), ("reasoning_tokens", SqliteType.Integer),
        ("cost_pusd", SqliteType.Integer), ("estimated", SqliteType.Integer), ("latency_ms", SqliteType.Real), ("time_to_first_token_ms", SqliteType.Real),
        ("overhead_ms", SqliteType.Real), ("attempts", SqliteType.Integer), ("client_disconnected", SqliteType.Integer), ("stream", SqliteType.Integer),
    ];

    private static readonly string Insert =
        $"INSERT INTO usage ({string.Join(", ", Columns.Select(c => c.Name))}) VALUES ({string.Join(", ", Columns.Select(c => "$" + c.Name))})";

    public Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }
        return database.WriteAsync(connection =>
        {
            // One transaction (one fsync for the batch) and one prepared statement rebound per record.
            using var transaction = connection.BeginTransaction(deferred: false);
            using var command = connection.CreateCommand();
            command.CommandText = Insert;
            var values = new SqliteParameter[Columns.Length];
            for (var i = 0; i < Columns.Length; i++)
            {
                values[i] = command.Parameters.Add("$" + Columns[i].Name, Columns[i].Type);
            }
            command.Prepare();
            foreach (var record in records)
            {
                Bind(values, record);
                command.ExecuteNonQuery();
            }
            transaction.Commit();
            return records.Count;
        }, cancellationToken);
    }

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
            UsageGrouping.Day => ("strftime('%Y-%m-%d', time / 1000, 'unixepoch')", "NULL"),
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "not a usage grouping"),
        };
        return database.ReadAsync<IReadOnlyList<UsageTotals>>(connection =>
        {
            using var command = connection.CreateCommand();
            // ORDER BY puts NULL first and compares text by bytes (BINARY), as the interface promises.
            command.CommandText = $"""
                SELECT g.grp, {name}, g.requests, g.input, g.cached, g.cache_write, g.output, g.reasoning, g.micro, g.pico
                FROM (
                    SELECT {group} AS grp, count(*) AS requests, sum(input_tokens) AS input, sum(cached_input_tokens) AS cached,
                        sum(cache_write_tokens) AS cache_write, sum(output_tokens) AS output, sum(reasoning_tokens) AS reasoning,
                        {CostSums}
                    FROM usage WHERE time >= $from AND time < $to GROUP BY 1
                ) AS g
                ORDER BY g.grp
                """;
            command.Parameters.Add("$from", SqliteType.Integer).Value = fromUnixMs;
            command.Parameters.Add("$to", SqliteType.Integer).Value = toUnixMs;
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

    public Task<IReadOnlyDictionary<string, Int128>> SpentSinceAsync(long sinceUnixMs, UsageGrouping groupBy, CancellationToken cancellationToken)
    {
        var group = groupBy switch
        {
            UsageGrouping.Key => "key_id",
            UsageGrouping.Team => "team_id",
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "budgets are per key or per team"),
        };
        return database.ReadAsync<IReadOnlyDictionary<string, Int128>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {group}, {CostSums} FROM usage WHERE time >= $since AND {group} IS NOT NULL GROUP BY {group}";
            command.Parameters.Add("$since", SqliteType.Integer).Value = sinceUnixMs;
            using var reader = command.ExecuteReader();
            var spent = new Dictionary<string, Int128>(StringComparer.Ordinal);
            while (reader.Read())
            {
                spent[reader.GetString(0)] = Cost(reader, 1);
            }
            return spent;
        }, cancellationToken);
    }

    // Columns in the order of Columns.
    private static void Bind(SqliteParameter[] values, UsageRecord record)
    {
        values[0].Value = record.Time;
        values[1].Value = record.KeyId;
        values[2].Value = record.KeyName;
        values[3].Value = (object?)record.TeamId ?? DBNull.Value;
        values[4].Value = record.Model;
        values[5].Value = (object?)record.Provider ?? DBNull.Value;
        values[6].Value = (object?)record.DeploymentModel ?? DBNull.Value;
        values[7].Value = record.Dialect;
        values[8].Value = record.Status;
        values[9].Value = (object?)record.ErrorClass ?? DBNull.Value;
        values[10].Value = record.Tokens.InputTokens;
        values[11].Value = record.Tokens.OutputTokens;
        values[12].Value = record.Tokens.CachedInputTokens;
        values[13].Value = record.Tokens.CacheWriteTokens;
        values[14].Value = record.Tokens.ReasoningTokens;
        values[15].Value = record.CostPicoUsd;
        values[16].Value = record.Estimated ? 1 : 0;
        values[17].Value = record.LatencyMs;
        values[18].Value = (object?)record.TimeToFirstTokenMs ?? DBNull.Value;
        values[19].Value = record.OverheadMs;
        values[20].Value = record.Attempts;
        values[21].Value = record.ClientDisconnected ? 1 : 0;
        values[22].Value = record.Stream ? 1 : 0;
    }

    private static Int128 Cost(SqliteDataReader reader, int microColumn) =>
        (Int128)reader.GetInt64(microColumn) * 1_000_000 + reader.GetInt64(microColumn + 1);
}
