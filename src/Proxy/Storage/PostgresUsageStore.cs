using LlmProxy.Usage;
using Npgsql;
using NpgsqlTypes;

namespace LlmProxy.Storage;

/// <summary>
/// <see cref="IUsageStore"/> in the <c>usage</c> table of a <see cref="PostgresDatabase"/>, which it shares and does not
/// dispose: each batch is one <c>COPY ... FROM STDIN (FORMAT BINARY)</c> (https://www.postgresql.org/docs/current/sql-copy.html)
/// in a transaction that also records the batch's id in <c>usage_batch</c>, so all of its rows land or none, and a retry
/// of a batch that landed (its commit's answer lost with the connection) writes nothing again. Ids older than a day are
/// pruned, at most once an hour. Reports as <see cref="SqlUsageStore"/>.
/// </summary>
internal sealed class PostgresUsageStore(PostgresDatabase database) : SqlUsageStore(database)
{
    private const string Copy = """
        COPY usage (time, key_id, key_name, team_id, model, provider, deployment_model, dialect, status, error_class,
            input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_pusd, estimated,
            latency_ms, time_to_first_token_ms, overhead_ms, attempts, client_disconnected, stream) FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>Blocks the calling thread (the ledger's writer) for the whole COPY; see <see cref="IUsageStore.AppendAsync"/>.</summary>
    private const string Mark = "INSERT INTO usage_batch (id, written_at) VALUES (@id, @at) ON CONFLICT (id) DO NOTHING";

    private const string Prune = "DELETE FROM usage_batch WHERE written_at < @before";

    private static readonly long PruneEveryMs = (long)TimeSpan.FromHours(1).TotalMilliseconds;

    private static readonly long KeepMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    private long _prunedAt;

    public override Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken, Guid batchId = default)
    {
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }
        try
        {
            database.RunOnCaller(connection => WriteOnce(connection, records, batchId));
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    private ulong WriteOnce(NpgsqlConnection connection, IReadOnlyList<UsageRecord> records, Guid batchId)
    {
        if (batchId == Guid.Empty)
        {
            return Write(connection, records);
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var transaction = connection.BeginTransaction();
        using (var mark = new NpgsqlCommand(Mark, connection, transaction))
        {
            mark.Bind("@id", batchId.ToString("N"));
            mark.Bind("@at", now);
            if (mark.ExecuteNonQuery() == 0)
            {
                return 0; // written before: its commit reached the server, its answer did not
            }
        }
        var written = Write(connection, records);
        if (now - _prunedAt > PruneEveryMs)
        {
            using var prune = new NpgsqlCommand(Prune, connection, transaction);
            prune.Bind("@before", now - KeepMs);
            prune.ExecuteNonQuery();
            _prunedAt = now;
        }
        transaction.Commit();
        return written;
    }

    private static ulong Write(NpgsqlConnection connection, IReadOnlyList<UsageRecord> records)
    {
        using var copy = connection.BeginBinaryImport(Copy);
        foreach (var record in records)
        {
            var tokens = record.Tokens;
            copy.StartRow();
            copy.Write(record.Time, NpgsqlDbType.Bigint);
            Text(copy, record.KeyId);
            Text(copy, record.KeyName);
            Text(copy, record.TeamId);
            Text(copy, record.Model);
            Text(copy, record.Provider);
            Text(copy, record.DeploymentModel);
            Text(copy, record.Dialect);
            copy.Write(record.Status, NpgsqlDbType.Integer);
            Text(copy, record.ErrorClass);
            copy.Write(tokens.InputTokens, NpgsqlDbType.Bigint);
            copy.Write(tokens.OutputTokens, NpgsqlDbType.Bigint);
            copy.Write(tokens.CachedInputTokens, NpgsqlDbType.Bigint);
            copy.Write(tokens.CacheWriteTokens, NpgsqlDbType.Bigint);
            copy.Write(tokens.ReasoningTokens, NpgsqlDbType.Bigint);
            copy.Write(record.CostPicoUsd, NpgsqlDbType.Bigint);
            copy.Write(record.Estimated, NpgsqlDbType.Boolean);
            copy.Write(record.LatencyMs, NpgsqlDbType.Double);
            if (record.TimeToFirstTokenMs is { } ttft)
            {
                copy.Write(ttft, NpgsqlDbType.Double);
            }
            else
            {
                copy.WriteNull();
            }
            copy.Write(record.OverheadMs, NpgsqlDbType.Double);
            copy.Write(record.Attempts, NpgsqlDbType.Integer);
            copy.Write(record.ClientDisconnected, NpgsqlDbType.Boolean);
            copy.Write(record.Stream, NpgsqlDbType.Boolean);
        }
        // Until Complete the server has committed nothing: disposing without it cancels the COPY, every row of it.
        return copy.Complete();
    }

    private static void Text(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(SqlText.Storable(value), NpgsqlDbType.Text);
        }
    }
}
