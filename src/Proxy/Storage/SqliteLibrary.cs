using SQLitePCL;

namespace LlmProxy.Storage;

/// <summary>
/// Points Microsoft.Data.Sqlite at the system's SQLite ("sqlite3"): the AOT publish links <c>libsqlite3.a</c> into the
/// binary (DirectPInvoke in Proxy.csproj), tests under JIT load <c>libsqlite3.so</c>, so both run the same engine.
/// No SQLitePCLRaw "bundle" is referenced, because its native <c>.so</c> would be copied beside the binary.
/// </summary>
internal static class SqliteLibrary
{
    // The type initializer runs once, before the first call, on whichever thread gets there first; others wait for it.
    static SqliteLibrary() => raw.SetProvider(new SQLite3Provider_sqlite3());

    /// <summary>Sets the provider if it is not set yet; call before the first <c>SqliteConnection</c> opens.</summary>
    public static void Initialize()
    {
    }
}
