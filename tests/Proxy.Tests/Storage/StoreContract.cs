using LlmProxy.Storage;

namespace LlmProxy.Tests.Storage;

/// <summary>
/// What every store contract test shares: its database (<see cref="TestStore"/>, SQLite or PostgreSQL) and one handle
/// on it, opened before the test and closed after.
/// </summary>
public abstract class StoreContract : IDisposable
{
    private protected StoreContract(TestStore database)
    {
        Database = database;
        Sql = database.OpenDatabase();
    }

    private protected TestStore Database { get; }

    private protected SqlDatabase Sql { get; }

    public void Dispose()
    {
        Sql.Dispose();
        Database.Dispose();
        GC.SuppressFinalize(this);
    }
}
