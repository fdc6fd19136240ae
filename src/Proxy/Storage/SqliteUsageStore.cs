using LlmProxy.Usage;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LlmProxy.Storage;

/// <summary>
/// <see cref="IUsageStore"/> in the <c>usage</c> table of a <see cref="SqliteDatabase"/>, which it shares and does not
/// dispose: the ledger's batches written through SQLitePCL's statements directly; reports as <see cref="SqlUsageStore"/>.
/// </summary>
internal sealed class SqliteUsageStore(SqliteDatabase database) : SqlUsageStore(database)
{
    // In the order Bind binds them: by position, 1 to 23 (a many-row statement repeats them, row after row).
    private static readonly string[] Columns =
    [
        "time", "key_id", "key_name", "team_id", "model", "provider", "deployment_model", "dialect", "status", "error_class",
        "input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "cost_pusd", "estimated",
        "latency_ms", "time_to_first_token_ms", "overhead_ms", "attempts", "client_disconnected", "stream",
    ];

    // Rows a statement inserts at once: SQLite starts a statement (its cursors on the table and both indexes) once for them,
    // not per row (2.75 to 2.2 µs a record in UsageLedgerBenchmarks; 64 rows was slower: its statement, prepared for each
    // batch, costs more to prepare).
    private const int RowsPerInsert = 16;

    private static readonly string Insert = InsertOf(1);
    private static readonly string InsertMany = InsertOf(RowsPerInsert);

    private static string InsertOf(int rows) =>
        $"INSERT INTO usage ({string.Join(", ", Columns)}) VALUES {string.Join(", ", Enumerable.Repeat($"({string.Join(", ", Columns.Select(_ => "?"))})", rows))}";

    public override Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken, Guid batchId = default)
    {
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }
        try
        {
            database.WriteOnCaller(AppendBatch, cancellationToken);
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }

        // On the ledger writer's own thread (see IUsageStore.AppendAsync): it only waits for this batch anyway.
        int AppendBatch(SqliteConnection connection)
        {
            // One transaction; its statements prepared once and bound through SQLitePCL directly: SqliteCommand looks every
            // parameter up by name again on each execution (sqlite3_bind_parameter_index, a linear search), which made a
            // 1,000-record batch take about twice as long.
            var db = connection.Handle!;
            // synchronous=NORMAL for the ledger's commits only: no fsync per batch (on this kind of VM one costs ~3 ms of
            // CPU, a tenth of the ledger's whole cost). A committed batch survives the process crashing; a power cut may
            // take the last ones, as it takes the records still queued in memory. Responses and keys keep FULL.
            SqliteException.ThrowExceptionForRC(raw.sqlite3_exec(db, "PRAGMA synchronous = NORMAL"), db);
            try
            {
                using var transaction = connection.BeginTransaction(deferred: false);
                var whole = records.Count / RowsPerInsert * RowsPerInsert;
                InsertRows(db, InsertMany, RowsPerInsert, records, 0, whole);
                InsertRows(db, Insert, 1, records, whole, records.Count);
                transaction.Commit();
            }
            finally
            {
                raw.sqlite3_exec(db, "PRAGMA synchronous = FULL");
            }
            return records.Count;
        }
    }

    // Inserts records[from..to), a multiple of rows, with `sql`, a statement of that many rows.
    private static void InsertRows(sqlite3 db, string sql, int rows, IReadOnlyList<UsageRecord> records, int from, int to)
    {
        if (from == to)
        {
            return;
        }
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, sql, out var statement), db);
        using (statement)
        {
            for (var i = from; i < to; i += rows)
            {
                for (var row = 0; row < rows; row++)
                {
                    // This row's parameters were last bound to the record `rows` earlier.
                    Bind(db, statement, row * Columns.Length, records[i + row], i == from ? null : records[i + row - rows]);
                }
                Step(db, statement);
            }
        }
    }

    private static void Step(sqlite3 db, sqlite3_stmt statement)
    {
        var step = raw.sqlite3_step(statement);
        if (step != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(step, db);
        }
        raw.sqlite3_reset(statement);
    }

    // Positions as in Columns, after `offset` (the row's first parameter, less one). Only what differs from the record
    // last bound to the same parameters is bound: sqlite3_reset keeps the bindings, and records mostly share their key,
    // model, provider and flags, so a record takes about 8 binds, not 23 (each one a P/Invoke: with SQLite's serialized
    // mode's mutex, a third of the writer's time, profiled; 3.9 to 2.9 µs a record in UsageLedgerBenchmarks).
    // A failed bind (out of memory) throws here; a null where the ledger has none fails the step.
    private static void Bind(sqlite3 db, sqlite3_stmt statement, int offset, UsageRecord record, UsageRecord? previous)
    {
        var first = previous is null;
        Integer(db, statement, offset + 1, record.Time, first || record.Time != previous!.Time);
        Text(db, statement, offset + 2, record.KeyId, first || record.KeyId != previous!.KeyId);
        Text(db, statement, offset + 3, record.KeyName, first || record.KeyName != previous!.KeyName);
        Text(db, statement, offset + 4, record.TeamId, first || record.TeamId != previous!.TeamId);
        Text(db, statement, offset + 5, record.Model, first || record.Model != previous!.Model);
        Text(db, statement, offset + 6, record.Provider, first || record.Provider != previous!.Provider);
        Text(db, statement, offset + 7, record.DeploymentModel, first || record.DeploymentModel != previous!.DeploymentModel);
        Text(db, statement, offset + 8, record.Dialect, first || record.Dialect != previous!.Dialect);
        Integer(db, statement, offset + 9, record.Status, first || record.Status != previous!.Status);
        Text(db, statement, offset + 10, record.ErrorClass, first || record.ErrorClass != previous!.ErrorClass);
        var (tokens, before) = (record.Tokens, previous?.Tokens ?? default);
        Integer(db, statement, offset + 11, tokens.InputTokens, first || tokens.InputTokens != before.InputTokens);
        Integer(db, statement, offset + 12, tokens.OutputTokens, first || tokens.OutputTokens != before.OutputTokens);
        Integer(db, statement, offset + 13, tokens.CachedInputTokens, first || tokens.CachedInputTokens != before.CachedInputTokens);
        Integer(db, statement, offset + 14, tokens.CacheWriteTokens, first || tokens.CacheWriteTokens != before.CacheWriteTokens);
        Integer(db, statement, offset + 15, tokens.ReasoningTokens, first || tokens.ReasoningTokens != before.ReasoningTokens);
        Integer(db, statement, offset + 16, record.CostPicoUsd, first || record.CostPicoUsd != previous!.CostPicoUsd);
        Integer(db, statement, offset + 17, record.Estimated ? 1 : 0, first || record.Estimated != previous!.Estimated);
        Real(db, statement, offset + 18, record.LatencyMs, first || record.LatencyMs != previous!.LatencyMs);
        Real(db, statement, offset + 19, record.TimeToFirstTokenMs, first || record.TimeToFirstTokenMs != previous!.TimeToFirstTokenMs);
        Real(db, statement, offset + 20, record.OverheadMs, first || record.OverheadMs != previous!.OverheadMs);
        Integer(db, statement, offset + 21, record.Attempts, first || record.Attempts != previous!.Attempts);
        Integer(db, statement, offset + 22, record.ClientDisconnected ? 1 : 0, first || record.ClientDisconnected != previous!.ClientDisconnected);
        Integer(db, statement, offset + 23, record.Stream ? 1 : 0, first || record.Stream != previous!.Stream);
    }

    private static void Integer(sqlite3 db, sqlite3_stmt statement, int position, long value, bool changed)
    {
        if (changed)
        {
            SqliteException.ThrowExceptionForRC(raw.sqlite3_bind_int64(statement, position, value), db);
        }
    }

    private static void Real(sqlite3 db, sqlite3_stmt statement, int position, double? value, bool changed)
    {
        if (changed)
        {
            SqliteException.ThrowExceptionForRC(value is { } number ? raw.sqlite3_bind_double(statement, position, number) : raw.sqlite3_bind_null(statement, position), db);
        }
    }

    // As UTF-16, which SQLite converts itself: the UTF-8 overload encodes every value into a new array first.
    private static void Text(sqlite3 db, sqlite3_stmt statement, int position, string? value, bool changed)
    {
        if (changed)
        {
            SqliteException.ThrowExceptionForRC(value is null ? raw.sqlite3_bind_null(statement, position) : raw.sqlite3_bind_text16(statement, position, value), db);
        }
    }
}
