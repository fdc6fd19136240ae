using Microsoft.Data.Sqlite;

namespace LlmProxy.Storage;

// Teams and the audit log.
internal sealed partial class SqliteAccessStore
{
    public Task CreateTeamAsync(StoredTeam team, AuditEntry audit, CancellationToken cancellationToken) =>
        database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
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
            using var transaction = connection.BeginTransaction(deferred: false);
            using (var update = connection.CreateCommand())
            {
                update.CommandText = $"UPDATE teams SET ({TeamColumns}) = ({TeamParameters}) WHERE id = $id";
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
            using var transaction = connection.BeginTransaction(deferred: false);
            if (!Exists(connection, "SELECT 1 FROM teams WHERE id = $id", teamId))
            {
                return false;
            }
            // Checked under the write lock the transaction holds: no key can join the team before the delete commits.
            if (Exists(connection, "SELECT 1 FROM keys WHERE team_id = $id", teamId))
            {
                throw new StorageConflictException("team", $"team '{teamId}' still has keys; move or delete them first");
            }
            Delete(connection, "DELETE FROM teams WHERE id = $id", teamId);
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
            command.CommandText = "SELECT id, time, actor, action, target, details FROM audit WHERE $before IS NULL OR id < $before ORDER BY id DESC LIMIT $limit";
            command.Parameters.Add("$before", SqliteType.Integer).Value = (object?)beforeId ?? DBNull.Value;
            command.Parameters.Add("$limit", SqliteType.Integer).Value = limit;
            using var reader = command.ExecuteReader();
            var entries = new List<AuditEntry>();
            while (reader.Read())
            {
                entries.Add(new AuditEntry(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)));
            }
            return entries;
        }, cancellationToken);
    }

    // AuditEntry.Id is ignored: AUTOINCREMENT assigns ids that only ever grow, even after the newest row is deleted.
    private static void InsertAudit(SqliteConnection connection, AuditEntry audit)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO audit (time, actor, action, target, details) VALUES ($time, $actor, $action, $target, $details)";
        insert.Parameters.Add("$time", SqliteType.Integer).Value = audit.Time;
        insert.Parameters.Add("$actor", SqliteType.Text).Value = audit.Actor;
        insert.Parameters.Add("$action", SqliteType.Text).Value = audit.Action;
        insert.Parameters.Add("$target", SqliteType.Text).Value = audit.Target;
        insert.Parameters.Add("$details", SqliteType.Text).Value = audit.DetailsJson;
        insert.ExecuteNonQuery();
    }
}
