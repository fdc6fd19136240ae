using System.Diagnostics;
using System.Text;
using LlmProxy.Storage;
using Microsoft.Data.Sqlite;

namespace LlmProxy.Tests.Storage;

/// <summary>
/// A write is one SQLite transaction, so whatever stops it (another reader looking, a process that never commits, a
/// crash with half of it on disk, a kill) leaves the whole old row or the whole new one, never a mix.
/// </summary>
public sealed class CrashSafetyTests : IDisposable
{
    private const int LargeBlob = 8 * 1024 * 1024;
    private readonly TemporaryDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Find_WhileTheRowIsReplacedOverAndOver_AlwaysSeesOneWholeVersion()
    {
        using var writer = _database.Open();
        using var reader = _database.Open();
        await writer.SaveAsync(Version(0), default);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        var writing = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                await writer.SaveAsync(Version(++n), default);
            }
            return n;
        });
        var reads = 0;
        while (!writing.IsCompleted)
        {
            var seen = await reader.FindAsync("resp_1", "alice", default);
            Assert.NotNull(seen);
            var version = seen.Status;
            Assert.Equal(Version(int.Parse(version[1..])).Response, seen.Response);
            Assert.Equal(Version(int.Parse(version[1..])).InputItems, seen.InputItems);
            reads++;
        }

        Assert.True(await writing > 10, "the writer must have replaced the row many times while the reader looked");
        Assert.True(reads > 10);
    }

    [Fact]
    public async Task Transaction_AbandonedWithoutCommit_LeavesThePriorRowWhole()
    {
        using (var store = _database.Open())
        {
            await store.SaveAsync(Version(1), default);
        }

        using (var connection = _database.Connect())
        {
            var transaction = connection.BeginTransaction();
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE responses SET status = 'v2', response = randomblob($size), input_items = x'00' WHERE id = 'resp_1'";
            update.Parameters.AddWithValue("$size", LargeBlob);
            update.ExecuteNonQuery();
            // Disposed with the connection, never committed: what a process that dies mid-write leaves behind.
        }

        using var reopened = _database.Open();
        ResponseStoreContract.AssertSame(Version(1), await reopened.FindAsync("resp_1", "alice", default));
    }

    // The files as a crash or power cut would leave them mid-transaction: a copy taken while the writer holds
    // uncommitted pages, large enough that SQLite has already spilled some of them into the WAL.
    [Fact]
    public async Task CrashImage_TakenMidTransaction_OpensToThePriorRowWhole()
    {
        using (var store = _database.Open())
        {
            await store.SaveAsync(Version(1), default);
        }
        var image = Path.Combine(_database.Folder, "image", "llm-proxy.db");
        Directory.CreateDirectory(Path.GetDirectoryName(image)!);

        using (var connection = _database.Connect())
        {
            Execute(connection, "PRAGMA cache_size = 50");
            using var transaction = connection.BeginTransaction();
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE responses SET status = 'v2', response = randomblob($size) WHERE id = 'resp_1'";
            update.Parameters.AddWithValue("$size", LargeBlob);
            update.ExecuteNonQuery();
            Assert.True(new FileInfo(_database.Path + "-wal").Length > LargeBlob / 2, "uncommitted pages must be on disk for this to be a crash image");
            File.Copy(_database.Path, image);
            File.Copy(_database.Path + "-wal", image + "-wal");
        }

        using var recovered = OpenedResponseStore.Sqlite(image);
        ResponseStoreContract.AssertSame(Version(1), await recovered.FindAsync("resp_1", "alice", default));
    }

    // The sqlite3 command-line shell (Debian's sqlite3, on the machine with libsqlite3-dev) as another process,
    // killed with SIGKILL while its transaction is open and partly written to the WAL.
    [Fact]
    public async Task WriterProcess_KilledMidTransaction_LeavesThePriorRowWhole()
    {
        using (var store = _database.Open())
        {
            await store.SaveAsync(Version(1), default);
        }
        var start = new ProcessStartInfo("sqlite3", [_database.Path]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        Process shell;
        try
        {
            shell = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("this test runs the sqlite3 shell: apt-get install sqlite3", e);
        }
        using (shell)
        {
            await shell.StandardInput.WriteLineAsync($"""
                PRAGMA cache_size = 50;
                BEGIN IMMEDIATE;
                UPDATE responses SET status = 'v2', response = randomblob({LargeBlob}), input_items = x'00' WHERE id = 'resp_1';
                """);
            await shell.StandardInput.FlushAsync();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!(File.Exists(_database.Path + "-wal") && new FileInfo(_database.Path + "-wal").Length > LargeBlob / 2))
            {
                Assert.True(DateTime.UtcNow < deadline && !shell.HasExited, $"the shell did not write its transaction: {await ReadErrorAsync(shell)}");
                await Task.Delay(20);
            }

            shell.Kill();
            await shell.WaitForExitAsync();
        }

        using var reopened = _database.Open();
        ResponseStoreContract.AssertSame(Version(1), await reopened.FindAsync("resp_1", "alice", default));
        await reopened.SaveAsync(Version(3), default);
        ResponseStoreContract.AssertSame(Version(3), await reopened.FindAsync("resp_1", "alice", default));
    }

    // Every field of version n says n, so a row mixing two versions is seen at once.
    private static StoredResponse Version(int n) =>
        new("resp_1", "alice", n, StoredResponses.Now + 86400 * 365 * 50, $"v{n}", n > 1 ? $"resp_{n - 1}" : null,
            Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat($"version {n};", 2000))),
            Encoding.UTF8.GetBytes($$"""[{"id":"item_{{n}}"}]"""));

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static async Task<string> ReadErrorAsync(Process shell) =>
        shell.HasExited ? await shell.StandardError.ReadToEndAsync() : "still running";
}
