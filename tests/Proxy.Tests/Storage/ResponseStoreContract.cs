using System.Security.Cryptography;
using System.Text;
using LlmProxy.Storage;
using Microsoft.Extensions.Time.Testing;

namespace LlmProxy.Tests.Storage;

public sealed class SqliteResponseStoreTests() : ResponseStoreContract(new SqliteTestStore())
{
    [Fact]
    public async Task Dispose_ClosesEveryConnection_WalIsFoldedIntoTheFile()
    {
        var path = ((SqliteTestStore)Database).File.Path;
        var database = Database.OpenDatabase();
        var store = new SqlResponseStore(database, TimeProvider.System);
        await store.SaveAsync(StoredResponses.Make("resp_1"), default);
        Assert.True(File.Exists(path + "-wal"));

        database.Dispose();

        Assert.False(File.Exists(path + "-wal"), "the last connection's close checkpoints and removes the WAL: nothing was left open");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.FindAsync("resp_1", "alice", default));
    }
}

public sealed class PostgresResponseStoreTests() : ResponseStoreContract(new PostgresTestStore());

/// <summary>The Responses API's store, <see cref="SqlResponseStore"/>, on SQLite and on PostgreSQL alike.</summary>
public abstract class ResponseStoreContract : IDisposable
{
    private readonly TestStore _database;
    private readonly FakeTimeProvider _time = new(StoredResponses.Clock);

    private protected ResponseStoreContract(TestStore database) => _database = database;

    private protected TestStore Database => _database;

    public void Dispose()
    {
        _database.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Save_ThenFind_ReturnsEveryFieldAsSaved()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);
        var first = StoredResponses.Make("resp_1");
        // Bytes that are not UTF-8 and a zero byte: blobs are kept as bytes, not text.
        var second = StoredResponses.Make("resp_2", previous: "resp_1") with { Response = [0, 0xFF, 0xFE, 1, 2], InputItems = [] };

        await store.SaveAsync(first, default);
        await store.SaveAsync(second, default);

        AssertSame(first, await store.FindAsync("resp_1", "alice", default));
        AssertSame(second, await store.FindAsync("resp_2", "alice", default));
        Assert.Null(await store.FindAsync("resp_unknown", "alice", default));
    }

    [Fact]
    public async Task Save_SameIdAgain_ReplacesTheWholeRow()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);
        await store.SaveAsync(StoredResponses.Make("resp_1", status: "in_progress", text: "old"), default);
        var replacement = StoredResponses.Make("resp_1", status: "completed", previous: "resp_0", text: "new") with { ExpiresAt = StoredResponses.Now + 5 };

        await store.SaveAsync(replacement, default);

        AssertSame(replacement, await store.FindAsync("resp_1", "alice", default));
        Assert.Equal(1L, _database.Scalar("SELECT count(*) FROM responses"));
    }

    [Fact]
    public async Task Find_AnotherOwner_ReturnsNullAsForAnUnknownId()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);
        await store.SaveAsync(StoredResponses.Make("resp_1", owner: "alice"), default);

        Assert.Null(await store.FindAsync("resp_1", "bob", default));
        Assert.Null(await store.FindAsync("resp_1", "Alice", default));
    }

    [Fact]
    public async Task Delete_AnotherOwner_ReturnsFalseAndKeepsTheResponse()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);
        await store.SaveAsync(StoredResponses.Make("resp_1", owner: "alice"), default);

        Assert.False(await store.DeleteAsync("resp_1", "bob", default), "another owner's response must look absent, not deletable");
        Assert.NotNull(await store.FindAsync("resp_1", "alice", default));
    }

    [Fact]
    public async Task Delete_OwnResponse_RemovesItOnce()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);
        await store.SaveAsync(StoredResponses.Make("resp_1"), default);
        await store.SaveAsync(StoredResponses.Make("resp_2"), default);

        Assert.True(await store.DeleteAsync("resp_1", "alice", default));

        Assert.Null(await store.FindAsync("resp_1", "alice", default));
        Assert.False(await store.DeleteAsync("resp_1", "alice", default), "a second delete finds nothing");
        Assert.NotNull(await store.FindAsync("resp_2", "alice", default));
    }

    [Fact]
    public async Task Find_ExpiredResponse_ReturnsNullFromItsExpiryOn()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);
        await store.SaveAsync(StoredResponses.Make("resp_1", expiresAt: StoredResponses.Now + 60), default);

        Assert.NotNull(await store.FindAsync("resp_1", "alice", default));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.NotNull(await store.FindAsync("resp_1", "alice", default));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await store.FindAsync("resp_1", "alice", default));
        Assert.False(await store.DeleteAsync("resp_1", "alice", default), "an expired response is absent to delete as well");
    }

    [Fact]
    public async Task DeleteExpired_MixedRows_RemovesOnlyThoseAtOrBeforeNowAndCountsThem()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);
        var now = StoredResponses.Now;
        await store.SaveAsync(StoredResponses.Make("old", expiresAt: now - 3600), default);
        await store.SaveAsync(StoredResponses.Make("boundary", expiresAt: now), default);
        await store.SaveAsync(StoredResponses.Make("other-owner", owner: "bob", expiresAt: now - 1), default);
        await store.SaveAsync(StoredResponses.Make("live", expiresAt: now + 1), default);
        await store.SaveAsync(StoredResponses.Make("later", expiresAt: now + 86400), default);

        Assert.Equal(3, await store.DeleteExpiredAsync(now, default));

        Assert.Equal(["later", "live"], ReadIds());
        Assert.Equal(0, await store.DeleteExpiredAsync(now, default));
    }

    [Fact]
    public async Task DeleteExpired_MoreRowsThanOneBatch_RemovesAllAndCountsAll()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);
        using (var connection = _database.Connect())
        using (var transaction = connection.BeginTransaction())
        {
            for (var i = 0; i < 1234; i++)
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO responses (id, owner, created_at, expires_at, status, response, input_items) VALUES (@id, 'alice', 0, @n, 'completed', @b, @b)";
                insert.Bind("@id", $"r{i}");
                insert.Bind("@n", (long)i);
                insert.Bind("@b", "{}"u8.ToArray());
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }

        Assert.Equal(1200, await store.DeleteExpiredAsync(1199, default));
        Assert.Equal(34L, _database.Scalar("SELECT count(*) FROM responses"));
    }

    [Fact]
    public async Task Save_EightWritersInParallel_EveryRowPresentAndWhole()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await store.SaveAsync(StoredResponses.Make($"w{writer}-{i}", owner: $"owner{writer}", text: $"text {writer} {i}"), default);
            }
        })));

        Assert.Equal(400L, _database.Scalar("SELECT count(*) FROM responses"));
        for (var writer = 0; writer < 8; writer++)
        {
            for (var i = 0; i < 50; i++)
            {
                AssertSame(StoredResponses.Make($"w{writer}-{i}", owner: $"owner{writer}", text: $"text {writer} {i}"),
                    await store.FindAsync($"w{writer}-{i}", $"owner{writer}", default));
            }
        }
    }

    // Two stores on one database share nothing in-process (SQLite's write gate), as two proxy processes would not:
    // their writers wait for each other (SQLite's busy_timeout, PostgreSQL's row locks) instead of failing.
    [Fact]
    public async Task Save_TwoStoresOnOneDatabaseWritingAtOnce_WaitForEachOtherInsteadOfFailing()
    {
        using var firstDatabase = _database.OpenDatabase();
        var first = new SqlResponseStore(firstDatabase, _time);
        using var secondDatabase = _database.OpenDatabase();
        var second = new SqlResponseStore(secondDatabase, _time);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            var store = writer % 2 == 0 ? first : second;
            for (var i = 0; i < 25; i++)
            {
                await store.SaveAsync(StoredResponses.Make($"w{writer}-{i}"), default);
                await store.GetOrCreateSecretAsync($"secret-{writer}", () => [(byte)writer], default);
            }
        })));

        Assert.Equal(200L, _database.Scalar("SELECT count(*) FROM responses"));
        Assert.Equal(8L, _database.Scalar("SELECT count(*) FROM secrets"));
    }

    [Fact]
    public async Task GetOrCreateSecret_ManyCallersAtOnce_AllGetTheSameBytes()
    {
        using var firstDatabase = _database.OpenDatabase();
        var first = new SqlResponseStore(firstDatabase, _time);
        using var secondDatabase = _database.OpenDatabase();
        var second = new SqlResponseStore(secondDatabase, _time);
        var created = 0;

        var secrets = await Task.WhenAll(Enumerable.Range(0, 32).Select(caller => Task.Run(() =>
            (caller % 2 == 0 ? first : second).GetOrCreateSecretAsync("signing-key", () =>
            {
                Interlocked.Increment(ref created);
                return RandomNumberGenerator.GetBytes(32);
            }, default))));

        Assert.All(secrets, secret => Assert.Equal(secrets[0], secret));
        Assert.Equal(32, secrets[0].Length);
        Assert.InRange(created, 1, 32);
        Assert.Equal(1L, _database.Scalar("SELECT count(*) FROM secrets"));
    }

    [Fact]
    public async Task GetOrCreateSecret_AfterReopen_ReturnsTheStoredBytesWithoutCreating()
    {
        byte[] original;
        using (var storeDatabase = _database.OpenDatabase())
        {
            var store = new SqlResponseStore(storeDatabase, _time);
            original = await store.GetOrCreateSecretAsync("signing-key", () => RandomNumberGenerator.GetBytes(32), default);
        }

        using var reopenedDatabase = _database.OpenDatabase();
        var reopened = new SqlResponseStore(reopenedDatabase, _time);
        var again = await reopened.GetOrCreateSecretAsync("signing-key", () => throw new InvalidOperationException("the secret exists: nothing to create"), default);

        Assert.Equal(original, again);
        Assert.NotEqual(original, await reopened.GetOrCreateSecretAsync("other", () => RandomNumberGenerator.GetBytes(32), default));
    }

    [Fact]
    public async Task Save_ThenReopen_ResponseIsStillThere()
    {
        var response = StoredResponses.Make("resp_1", previous: "resp_0");
        using (var storeDatabase = _database.OpenDatabase())
        {
            var store = new SqlResponseStore(storeDatabase, _time);
            await store.SaveAsync(response, default);
        }

        using var reopenedDatabase = _database.OpenDatabase();
        var reopened = new SqlResponseStore(reopenedDatabase, _time);

        AssertSame(response, await reopened.FindAsync("resp_1", "alice", default));
    }

    [Fact]
    public async Task Size_SavedResponse_CountsItsBlobsBytesWithOrWithoutEvents()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);
        var response = StoredResponses.Make("resp_1") with { Events = new byte[1000] };
        await store.SaveAsync(response, default);

        Assert.Equal(response.Response.Length + response.InputItems.Length, await store.SizeAsync("resp_1", "alice", withEvents: false, default));
        Assert.Equal(response.Response.Length + response.InputItems.Length + 1000, await store.SizeAsync("resp_1", "alice", withEvents: true, default));
        Assert.Null(await store.SizeAsync("resp_1", "bob", withEvents: false, default));
        Assert.Equal(new byte[1000], await store.FindEventsAsync("resp_1", "alice", default));
    }

    [Fact]
    public async Task Find_CanceledBeforeItStarts_ThrowsCanceled()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.FindAsync("resp_1", "alice", new CancellationToken(canceled: true)));
    }

    private List<string> ReadIds()
    {
        using var connection = _database.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM responses ORDER BY id";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    internal static void AssertSame(StoredResponse expected, StoredResponse? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal((expected.Id, expected.Owner, expected.CreatedAt, expected.ExpiresAt, expected.Status, expected.PreviousResponseId),
            (actual.Id, actual.Owner, actual.CreatedAt, actual.ExpiresAt, actual.Status, actual.PreviousResponseId));
        Assert.Equal(Encoding.Latin1.GetString(expected.Response), Encoding.Latin1.GetString(actual.Response));
        Assert.Equal(Encoding.Latin1.GetString(expected.InputItems), Encoding.Latin1.GetString(actual.InputItems));
    }

    [Fact]
    public async Task Save_SameIdOfAnotherOwner_RefusedAndTheirRowKept()
    {
        using var storeDatabase = _database.OpenDatabase();
        var store = new SqlResponseStore(storeDatabase, _time);
        await store.SaveAsync(StoredResponses.Make("resp_shared", owner: "alice", text: "alice's"), default);

        await Assert.ThrowsAsync<StorageException>(() => store.SaveAsync(StoredResponses.Make("resp_shared", owner: "bob", text: "bob's"), default));

        Assert.Contains("alice's", System.Text.Encoding.UTF8.GetString((await store.FindAsync("resp_shared", "alice", default))!.Response));
        Assert.Null(await store.FindAsync("resp_shared", "bob", default));
    }
}
