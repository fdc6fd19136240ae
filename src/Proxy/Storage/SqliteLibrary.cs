using SQLitePCL;

namespace LlmProxy.Storage;

/// <summary>
/// Points Microsoft.Data.Sqlite at the system's SQLite ("sqlite3"): the AOT publish links <c>libsqlite3.a</c> into the
/// binary (DirectPInvoke in Proxy.csproj), tests under JIT load <c>libsqlite3.so</c>, so both run the same engine.
/// No SQLitePCLRaw "bundle" is referenced, because its native <c>.so</c> would be copied beside the binary.
/// SQLite runs in its multi-thread mode (https://www.sqlite.org/threadsafe.html): a connection is only ever used by one
/// thread at a time here (each call takes a pooled connection of its own), so the serialized mode's mutex around every
/// call (two per bound value: ~1 µs a ledger record) buys nothing. Memory statistics are off too
/// (<c>SQLITE_CONFIG_MEMSTATUS</c> 0, as https://www.sqlite.org/compile.html recommends for speed): nothing here reads
/// them, and they take a global mutex around every allocation SQLite makes (5 % of the ledger writer's time, profiled).
/// </summary>
internal static class SqliteLibrary
{
    // The type initializer runs once, before the first call, on whichever thread gets there first; others wait for it.
    static SqliteLibrary()
    {
        raw.SetProvider(new SQLite3Provider_sqlite3());
        // Refused (SQLITE_MISUSE) once SQLite is initialized, e.g. by another library in a test process: it then stays
        // serialized, which is as correct, only slower.
        MultiThread = raw.sqlite3_config(raw.SQLITE_CONFIG_MULTITHREAD) == raw.SQLITE_OK;
        raw.sqlite3_config(raw.SQLITE_CONFIG_MEMSTATUS, 0); // refused likewise, and then as harmless
    }

    /// <summary>Whether SQLite took the multi-thread mode (false: it was initialized before, and stays serialized).</summary>
    public static bool MultiThread { get; }

    /// <summary>Sets the provider if it is not set yet; call before the first <c>SqliteConnection</c> opens.</summary>
    public static void Initialize()
    {
    }
}
