using LlmProxy.Storage;
using Microsoft.Data.Sqlite;

namespace LlmProxy.Tests.Storage;

/// <summary>A database path in a fresh temporary folder (the file and its <c>data/</c> folder not created yet), deleted with the folder.</summary>
internal sealed class TemporaryDatabase : IDisposable
{
    public TemporaryDatabase()
    {
        Folder = Directory.CreateTempSubdirectory("llm-proxy-store-").FullName;
        Path = System.IO.Path.Combine(Folder, "data", "llm-proxy.db");
    }

    public string Folder { get; }

    public string Path { get; }

    public OpenedResponseStore Open(TimeProvider? time = null) => OpenedResponseStore.Sqlite(Path, time);

    /// <summary>The database itself, for the stores that share it.</summary>
    public SqliteDatabase OpenDatabase() => SqliteDatabase.Open(Path);

    /// <summary>A connection of its own (no pool), as another process would have.</summary>
    public SqliteConnection Connect()
    {
        SqliteLibrary.Initialize();
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public object? Scalar(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
