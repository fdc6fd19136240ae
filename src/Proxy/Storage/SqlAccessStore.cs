using System.Data.Common;

namespace LlmProxy.Storage;

/// <summary>
/// <see cref="IAccessStore"/> in the <c>keys</c>, <c>key_secrets</c>, <c>teams</c> and <c>audit</c> tables of a
/// <see cref="SqlDatabase"/> (SQLite or PostgreSQL), which it shares and does not dispose. Each change runs in one
/// transaction with its audit row (<see cref="SqlDatabase.BeginWrite"/>): from the first check (the team exists, the
/// team has no keys) to the commit, what was checked is locked, so no other writer, in this process or another
/// instance, slips in between. A change that finds nothing to change (an unknown id) rolls back and writes no audit row.
/// </summary>
internal sealed partial class SqlAccessStore(SqlDatabase database) : IAccessStore
{
    public Task<AccessState> LoadAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(connection =>
        {
            // One read transaction: the three tables as of one commit, so no secret is read without its key.
            using var transaction = database.BeginSnapshot(connection);
            var keys = ReadAll(connection, $"SELECT {KeyColumns} FROM keys ORDER BY id{database.ByteOrder}", ReadKey);
            var secrets = ReadAll(connection, $"SELECT hash, key_id, expires_at FROM key_secrets ORDER BY key_id{database.ByteOrder}, hash",
                reader => new StoredSecret(reader.GetFieldValue<byte[]>(0), reader.GetString(1), NullableInt64(reader, 2)));
            var teams = ReadAll(connection, $"SELECT {TeamColumns} FROM teams ORDER BY id{database.ByteOrder}", ReadTeam);
            return new AccessState(keys, secrets, teams);
        }, cancellationToken);

    public Task CreateKeyAsync(StoredKey key, StoredSecret secret, AuditEntry audit, CancellationToken cancellationToken)
    {
        RequireSecretOf(secret, key.Id);
        return database.WriteAsync(connection =>
        {
            using var transaction = database.BeginWrite(connection);
            RequireTeam(connection, key.TeamId);
            using (var insert = connection.CreateCommand())
            {
                insert.CommandText = $"INSERT INTO keys ({KeyColumns}) VALUES ({KeyParameters})";
                BindKey(insert, key);
                ExecuteNamed(insert, key.Name, "key");
            }
            InsertSecret(connection, secret);
            InsertAudit(connection, audit);
            transaction.Commit();
            return true;
        }, cancellationToken);
    }

    public Task<bool> UpdateKeyAsync(StoredKey key, AuditEntry audit, CancellationToken cancellationToken) =>
        database.WriteAsync(connection =>
        {
            using var transaction = database.BeginWrite(connection);
            using (var update = connection.CreateCommand())
            {
                // Revocation is for good, whatever the writer's copy of the key said: another instance may have revoked it
                // since that copy was read.
                update.CommandText = $"UPDATE keys SET ({KeyColumns}) = ({KeyParameters.Replace("@revoked", "(revoked OR @revoked)", StringComparison.Ordinal)}) WHERE id = @id";
                BindKey(update, key);
                if (ExecuteNamed(update, key.Name, "key") == 0)
                {
                    return false;
                }
            }
            RequireTeam(connection, key.TeamId);
            InsertAudit(connection, audit);
            transaction.Commit();
            return true;
        }, cancellationToken);

    public Task<bool> RotateKeyAsync(StoredKey key, StoredSecret secret, long oldSecretsExpireAt, AuditEntry audit, CancellationToken cancellationToken)
    {
        var keyId = key.Id;
        RequireSecretOf(secret, keyId);
        return database.WriteAsync(connection =>
        {
            using var transaction = database.BeginWrite(connection);
            using (var update = connection.CreateCommand())
            {
                update.CommandText = "UPDATE keys SET prefix = @prefix, updated_at = @updated_at WHERE id = @id";
                update.Bind("@prefix", key.Prefix);
                update.Bind("@updated_at", key.UpdatedAt);
                update.Bind("@id", keyId);
                if (update.ExecuteNonQuery() == 0)
                {
                    return false;
                }
            }
            using (var expire = connection.CreateCommand())
            {
                // A secret already due to expire sooner keeps its earlier end: a rotation never extends an old secret.
                expire.CommandText = "UPDATE key_secrets SET expires_at = @at WHERE key_id = @id AND (expires_at IS NULL OR expires_at > @at)";
                expire.Bind("@at", oldSecretsExpireAt);
                expire.Bind("@id", keyId);
                expire.ExecuteNonQuery();
            }
            InsertSecret(connection, secret);
            InsertAudit(connection, audit);
            transaction.Commit();
            return true;
        }, cancellationToken);
    }

    public Task<bool> DeleteKeyAsync(string keyId, AuditEntry audit, CancellationToken cancellationToken) =>
        database.WriteAsync(connection =>
        {
            using var transaction = database.BeginWrite(connection);
            if (Delete(connection, "DELETE FROM keys WHERE id = @id", keyId) == 0)
            {
                return false;
            }
            Delete(connection, "DELETE FROM key_secrets WHERE key_id = @id", keyId);
            InsertAudit(connection, audit);
            transaction.Commit();
            return true;
        }, cancellationToken);

    public Task<int> DeleteExpiredSecretsAsync(long nowUnixSeconds, CancellationToken cancellationToken) =>
        database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM key_secrets WHERE expires_at <= @now";
            command.Bind("@now", nowUnixSeconds);
            return command.ExecuteNonQuery();
        }, cancellationToken);

    // A secret filed under another key would open that key: a caller's bug, refused before anything is written.
    private static void RequireSecretOf(StoredSecret secret, string keyId)
    {
        if (secret.KeyId != keyId)
        {
            throw new ArgumentException($"the secret is for key '{secret.KeyId}', not '{keyId}'", nameof(secret));
        }
    }

    private static void InsertSecret(DbConnection connection, StoredSecret secret)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO key_secrets (hash, key_id, expires_at) VALUES (@hash, @key_id, @expires_at)";
        insert.Bind("@hash", secret.Hash);
        insert.Bind("@key_id", secret.KeyId);
        insert.Bind("@expires_at", secret.ExpiresAt);
        insert.ExecuteNonQuery();
    }

    // Inside the caller's transaction, which locks the team's row: it cannot be deleted before the commit.
    private void RequireTeam(DbConnection connection, string? teamId)
    {
        if (teamId is not null && !Exists(connection, $"SELECT 1 FROM teams WHERE id = @id{database.ForShare}", teamId))
        {
            throw new StorageConflictException("team", $"there is no team '{teamId}'");
        }
    }
}
