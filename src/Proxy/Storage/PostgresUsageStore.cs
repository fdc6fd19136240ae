using LlmProxy.Usage;
using Npgsql;
using NpgsqlTypes;

namespace LlmProxy.Storage;

/// <summary>
/// <see cref="IUsageStore"/> in the <c>usage</c> table of a <see cref="PostgresDatabase"/>, which it shares and does not
/// dispose: each batch is one <c>COPY ... FROM STDIN (FORMAT BINARY)</c>, a single statement, so all of its rows land or
/// none (https://www.postgresql.org/docs/current/sql-copy.html); reports as <see cref="SqlUsageStore"/>.
/// </summary>
internal sealed class PostgresUsageStore(PostgresDatabase database) : SqlUsageStore(database)
{
    private const string Copy = """
        COPY usage (time, key_id, key_name, team_id, model, provider, deployment_model, dialect, status, error_class,
            input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_pusd, estimated,
            latency_ms, time_to_first_token_ms, overhead_ms, attempts, client_disconnected, stream) FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>Blocks the calling thread (the ledger's writer) for the whole COPY; see <see cref="IUsageStore.AppendAsync"/>.</summary>
    public override Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }
        try
        {
            database.RunOnCaller(connection => Write(connection, records));
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
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
