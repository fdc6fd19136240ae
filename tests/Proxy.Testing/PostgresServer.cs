using System.Diagnostics;
using Npgsql;

namespace LlmProxy.Testing;

/// <summary>
/// A real PostgreSQL server for the tests: <c>initdb</c> into a temporary folder and <c>pg_ctl start</c> on a free
/// loopback port, as user <c>postgres</c> when the tests run as root (initdb refuses root), once per test process
/// (<see cref="Shared"/>), stopped and deleted when the process exits; a test that stops and restarts its server starts one
/// of its own (<see cref="Start"/>). Trust authentication, and no fsync: these databases live for one test run. Each test takes a schema of its own (<see cref="CreateSchema"/>), so tests run in
/// parallel without seeing each other's rows. Needs PostgreSQL's server binaries (Debian's <c>postgresql</c>, which
/// <c>./build.sh test</c> installs where missing).
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private static readonly Lazy<PostgresServer> Instance = new(StartShared, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _folder;
    private readonly string _bin;
    private int _schemas;

    private PostgresServer(string folder, string bin, int port)
    {
        _folder = folder;
        _bin = bin;
        Port = port;
    }

    /// <summary>The server of this test process, started on first use.</summary>
    public static PostgresServer Shared => Instance.Value;

    /// <summary>Its TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The superuser's connection string to the database <c>postgres</c>, with Npgsql's keywords.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    /// <summary>
    /// A new empty schema, and a connection string whose <c>Search Path</c> is it: tables the proxy creates there are
    /// this caller's alone.
    /// </summary>
    public string CreateSchema()
    {
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _schemas)}";
        Execute($"CREATE SCHEMA {name}");
        return $"{ConnectionString};Search Path={name}";
    }

    /// <summary>Runs <paramref name="sql"/> as the superuser on a connection of its own (no pool: as another program would).</summary>
    public object? Execute(string sql, string? connectionString = null)
    {
        using var connection = new NpgsqlConnection((connectionString ?? ConnectionString) + ";Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    /// <summary>Stops the server at once (<c>pg_ctl stop -m immediate</c>: no clean shutdown, as a crash), for chaos tests.</summary>
    public void Stop() => PgCtl("stop -m immediate");

    /// <summary>Starts it again on the same port and data (after its crash recovery).</summary>
    public void Restart() => PgCtl($"start -w -t 60 -l {_folder}/server.log -o \"{Options(Port)}\"");

    /// <summary>Stops the server and deletes its data.</summary>
    public void Dispose() => Remove();

    private static PostgresServer StartShared()
    {
        var server = Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Remove();
        return server;
    }

    /// <summary>A server of the caller's own, in a new folder on a new port; disposing it stops it and deletes its data.</summary>
    public static PostgresServer Start()
    {
        var bin = FindBinaries();
        var folder = Directory.CreateTempSubdirectory("llm-proxy-pg-").FullName;
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", $"postgres:postgres {folder}", asPostgres: false);
        }
        Run(Path.Combine(bin, "initdb"), $"-D {folder}/data -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8", asRoot);
        // A port taken between the probe and the start: try another.
        for (var attempt = 0; ; attempt++)
        {
            var port = LoopbackPort.Free();
            var server = new PostgresServer(folder, bin, port);
            try
            {
                server.Restart();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    private void Remove()
    {
        if (!Directory.Exists(_folder))
        {
            return;
        }
        try
        {
            Stop();
        }
        catch (InvalidOperationException)
        {
            // Already stopped (a chaos test's last step).
        }
        Directory.Delete(_folder, recursive: true);
    }

    // fsync off: the machine does not crash under a test, and an immediate stop (Stop) keeps what the OS holds. Commits stay
    // synchronous: with synchronous_commit off an immediate stop loses the last commits still in the server's WAL buffers
    // (a chaos test's freshly made schema with them).
    private static string Options(int port) =>
        $"-p {port} -c listen_addresses=127.0.0.1 -k '' -c fsync=off -c full_page_writes=off -c max_connections=400";

    private void PgCtl(string arguments) => Run(Path.Combine(_bin, "pg_ctl"), $"-D {_folder}/data {arguments}", Environment.UserName == "root");

    // Debian keeps them under /usr/lib/postgresql/VERSION/bin, off the PATH; the newest version wins.
    private static string FindBinaries()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Where(dir => File.Exists(Path.Combine(dir, "bin", "initdb")))
                .OrderByDescending(dir => int.TryParse(Path.GetFileName(dir), out var version) ? version : 0).ToArray()
            : [];
        return versions.Length > 0
            ? Path.Combine(versions[0], "bin")
            : throw new InvalidOperationException("PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin/initdb): apt-get install postgresql");
    }

    private static void Run(string program, string arguments, bool asPostgres)
    {
        var start = asPostgres
            ? new ProcessStartInfo("runuser", $"-u postgres -- {program} {arguments}")
            : new ProcessStartInfo(program, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = "/tmp"; // runuser's postgres may not enter the test's folder
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {arguments} failed ({process.ExitCode}): {error}{output.Result}");
        }
    }
}
