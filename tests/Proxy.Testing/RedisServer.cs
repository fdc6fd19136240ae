using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LlmProxy.Testing;

/// <summary>
/// A real Redis server for a test: <c>redis-server</c> on a free loopback port, no persistence, killed when disposed
/// (or by <see cref="Stop"/>, as a crash, and started again on the same port by <see cref="Restart"/>, empty). Needs
/// Debian's <c>redis-server</c>, which <c>./build.sh test</c> installs where missing.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private Process? _process;

    private readonly string? _password;

    private RedisServer(int port, string? password) => (Port, _password) = (port, password);

    public int Port { get; }

    /// <summary>StackExchange.Redis's configuration string for it.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <param name="password">What clients must send (<c>requirepass</c>); null: none.</param>
    public static RedisServer Start(string? password = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var server = new RedisServer(LoopbackPort.Free(), password);
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

    /// <summary>Kills the server (SIGKILL: no goodbye to its clients).</summary>
    public void Stop()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
        _process = null;
    }

    /// <summary>Starts it (again) on its port and waits until it accepts connections.</summary>
    public void Restart()
    {
        var password = _password is null ? "" : $" --requirepass {_password}";
        var start = new ProcessStartInfo("redis-server", $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no --protected-mode no{password}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            _process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed: apt-get install redis-server", e);
        }
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server on port {Port} exited ({_process.ExitCode})");
            }
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new InvalidOperationException($"redis-server on port {Port} did not start");
    }

    /// <summary>Holds every client's commands for <paramref name="duration"/> (<c>CLIENT PAUSE ... ALL</c>): a hung or overloaded server.</summary>
    public void Pause(TimeSpan duration)
    {
        using var cli = Process.Start(new ProcessStartInfo("redis-cli", $"-p {Port} CLIENT PAUSE {(long)duration.TotalMilliseconds} ALL")
        {
            RedirectStandardOutput = true,
        })!;
        var answer = cli.StandardOutput.ReadToEnd().Trim();
        cli.WaitForExit();
        if (answer != "OK")
        {
            throw new InvalidOperationException($"CLIENT PAUSE answered '{answer}'");
        }
    }

    public void Dispose() => Stop();
}
