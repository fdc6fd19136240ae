using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>
/// The Native AOT binary that ships, run as a user runs it. <c>./build.sh test</c> publishes it first and sets
/// <c>LLM_PROXY_BINARY</c>; without it the tests look in <c>artifacts/</c> and fail loudly if it is not there.
/// </summary>
internal sealed partial class PublishedBinary : IAsyncDisposable
{
    private readonly Process _process;
    private readonly int _proxyPid;
    private readonly ConcurrentQueue<string> _output;

    private PublishedBinary(Process process, int proxyPid, ConcurrentQueue<string> output, Uri root)
    {
        _process = process;
        _proxyPid = proxyPid;
        _output = output;
        Root = root;
    }

    public Uri Root { get; }

    /// <summary>The lines the proxy has written to standard output so far.</summary>
    public IReadOnlyCollection<string> Output => _output;

    public static string Path { get; } = Locate();

    /// <param name="underSystemd">Start it as systemd does: as the child of a process named <c>systemd</c>, which is
    /// how the hosting library tells that it runs as a service (it reads its parent's <c>/proc/PID/comm</c>).</param>
    public static async Task<PublishedBinary> StartAsync(string configPath, IReadOnlyDictionary<string, string>? environment = null,
        bool underSystemd = false)
    {
        string[] args = ["--config", configPath, "--urls", "http://127.0.0.1:0"];
        var process = underSystemd ? Start(SystemdStandIn.Value, environment, [Path, .. args]) : Start(Path, environment, args);
        var output = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is not { } text)
            {
                return;
            }
            output.Enqueue(text);
            if (ListeningOn().Match(text) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var root = await listening.Task.WaitAsync(TimeSpan.FromSeconds(20));
            return new PublishedBinary(process, underSystemd ? OnlyChildOf(process.Id) : process.Id, output, root);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Runs the binary to completion (for <c>--version</c>, <c>--check-config</c>).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = Start(Path, null, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return (process.ExitCode, await stdout, await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    /// <summary>Asks the proxy to stop as systemd does, with SIGTERM, and returns its exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        // Straight through libc, so the test needs no kill(1) on the machine.
        Assert.Equal(0, Kill(_proxyPid, SignalTerminate));
        // Under the systemd stand-in, its exit code is the proxy's (it ends with the proxy's wait status).
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return _process.ExitCode;
    }

    private static Process Start(string executable, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return Process.Start(start)!;
    }

    // A script named systemd: the kernel names a script's process after the script, so the proxy it starts (and
    // waits for, passing on its exit status) sees a parent called systemd, as under a real service manager.
    private static readonly Lazy<string> SystemdStandIn = new(() =>
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("systemd is a Linux service manager");
        }
        var directory = Directory.CreateTempSubdirectory("llm-proxy-systemd-").FullName;
        var script = System.IO.Path.Combine(directory, "systemd");
        File.WriteAllText(script, "#!/bin/sh\n\"$@\" &\nwait $!\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return script;
    });

    private static int OnlyChildOf(int pid)
    {
        var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(children.Length == 1, $"the systemd stand-in should have started exactly the proxy, found children [{string.Join(",", children)}]");
        return int.Parse(children[0]);
    }

    private static string Locate()
    {
        var configured = Environment.GetEnvironmentVariable("LLM_PROXY_BINARY");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }
        var candidate = System.IO.Path.Combine(RepositoryRoot.Path, "artifacts", "llm-proxy");
        return File.Exists(candidate) ? candidate : throw new FileNotFoundException("The published binary was not found: run ./build.sh publish (./build.sh test does it) or set LLM_PROXY_BINARY.");
    }

    private const int SignalTerminate = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"listening on (http://[^\s,:]+:\d+)")]
    private static partial Regex ListeningOn();
}
