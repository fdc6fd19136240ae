using System.Data.Common;

namespace LlmProxy.Storage;

// Teams and the audit log.
internal sealed partial class SqlAccessStore
{
    public Task CreateTeamAsync(StoredTeam team, AuditEntry audit, CancellationToken cancellationToken) =>
        database.WriteAsync(connection =>
        {
            using var transaction = database.BeginWrite(connection);
            using (var insert = connection.CreateCommand())
            {
                insert.CommandText = $"INSERT INTO teams ({TeamColumns}) VALUES ({TeamParameters})";
                BindTeam(insert, team);
                ExecuteNamed(insert, team.Name, "team");
            }
            InsertAudit(connection, audit);
            transaction.Commit();
            return true;
        }, cancellationToken);

    public Task<bool> UpdateTeamAsync(StoredTeam team, AuditEntry audit, CancellationToken cancellationToken) =>
        database.WriteAsync(connection =>
        {
            using var transaction = database.BeginWrite(connection);
            using (var update = connection.CreateCommand())
            {
                update.CommandText = $"UPDATE teams SET ({TeamColumns}) = ({TeamParameters}) WHERE id = @id";
                BindTeam(update, team);
                if (ExecuteNamed(update, team.Name, "team") == 0)
                {
                    return false;
                }
            }
            InsertAudit(connection, audit);
            transaction.Commit();
            return true;
        }, cancellationToken);

    public Task<bool> DeleteTeamAsync(string teamId, AuditEntry audit, CancellationToken cancellationToken) =>
        database.WriteAsync(connection =>
        {
            using var transaction = database.BeginWrite(connection);
            // Locks the team's row: a key joining it (RequireTeam) waits for this to end, and then finds no team.
            if (!Exists(connection, $"SELECT 1 FROM teams WHERE id = @id{database.ForUpdate}", teamId))
            {
                return false;
            }
            // Checked under that lock: no key can join the team before the delete commits.
            if (Exists(connection, "SELECT 1 FROM keys WHERE team_id = @id", teamId))
            {
                throw new StorageConflictException("team", $"team '{teamId}' still has keys; move or delete them first");
            }
            Delete(connection, "DELETE FROM teams WHERE id = @id", teamId);
            InsertAudit(connection, audit);
            transaction.Commit();
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<AuditEntry>> ListAuditAsync(long? beforeId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return database.ReadAsync<IReadOnlyList<AuditEntry>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, time, actor, action, target, details FROM audit WHERE @before IS NULL OR id < @before ORDER BY id DESC LIMIT @limit";
            command.Bind("@before", beforeId);
            command.Bind("@limit", limit);
            using var reader = command.ExecuteReader();
            var entries = new List<AuditEntry>();
            while (reader.Read())
            {
                entries.Add(new AuditEntry(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)));
            }
            return entries;
        }, cancellationToken);
    }

    // AuditEntry.Id is ignored: SQLite's AUTOINCREMENT and PostgreSQL's identity column assign ids that only ever grow,
    // even after the newest row is deleted.
    private static void InsertAudit(DbConnection connection, AuditEntry audit)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO audit (time, actor, action, target, details) VALUES (@time, @actor, @action, @target, @details)";
        insert.Bind("@time", audit.Time);
        insert.Bind("@actor", audit.Actor);
        insert.Bind("@action", audit.Action);
        insert.Bind("@target", audit.Target);
        insert.Bind("@details", audit.DetailsJson);
        insert.ExecuteNonQuery();
    }
}
