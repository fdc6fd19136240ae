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
    private readonly ConcurrentQueue<string> _output;

    private PublishedBinary(Process process, ConcurrentQueue<string> output, Uri root, string folder)
    {
        _process = process;
        _output = output;
        Root = root;
        Folder = folder;
    }

    public Uri Root { get; }

    /// <summary>
    /// The fresh folder the config was copied into and the binary runs from: the database the config names relative
    /// to itself (by default data/llm-proxy.db) is made here, not beside the original, and goes with the folder.
    /// </summary>
    public string Folder { get; }

    /// <summary>The lines the proxy has written to standard output so far.</summary>
    public IReadOnlyCollection<string> Output => _output;

    public static string Path { get; } = Locate();

    public static async Task<PublishedBinary> StartAsync(string configPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var folder = Directory.CreateTempSubdirectory("llm-proxy-binary-").FullName;
        var copy = System.IO.Path.Combine(folder, System.IO.Path.GetFileName(configPath));
        File.Copy(configPath, copy);
        var process = Start(environment, "--config", copy, "--urls", "http://127.0.0.1:0");
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
            return new PublishedBinary(process, output, await listening.Task.WaitAsync(TimeSpan.FromSeconds(20)), folder);
        }
        catch
        {
            process.Kill();
            await process.WaitForExitAsync();
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>Runs the binary to completion (for <c>--version</c>, <c>--check-config</c>).</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>As <see cref="RunAsync(string[])"/>, with these environment variables set.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            // A binary that should have exited and did not (the test fails on the timeout) must not outlive the run.
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>Asks the process to stop as systemd does, with SIGTERM, and returns its exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        // Straight through libc, so the test needs no kill(1) on the machine.
        Assert.Equal(0, Kill(_process.Id, SignalTerminate));
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return _process.ExitCode;
    }

    /// <summary>
    /// The inode numbers of the folders the process holds inotify watches on (read from <c>/proc/PID/fdinfo</c>, whose
    /// <c>inotify wd:.. ino:HEX</c> lines list them): every write of a file in a watched folder costs the writer an event.
    /// </summary>
    public IReadOnlyList<ulong> WatchedInodes()
    {
        var inodes = new List<ulong>();
        foreach (var fd in Directory.GetFiles($"/proc/{_process.Id}/fd"))
        {
            if (File.ResolveLinkTarget(fd, returnFinalTarget: false)?.Name != "anon_inode:inotify")
            {
                continue;
            }
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/fdinfo/{System.IO.Path.GetFileName(fd)}"))
            {
                if (InotifyWatch().Match(line) is { Success: true } match)
                {
                    inodes.Add(Convert.ToUInt64(match.Groups[1].Value, 16));
                }
            }
        }
        return inodes;
    }

    /// <summary>Sends SIGHUP, as <c>systemctl reload</c> does through the unit's <c>ExecReload=</c>.</summary>
    public void HangUp() => Assert.Equal(0, Kill(_process.Id, SignalHangUp));

    /// <summary>Waits until an output line contains <paramref name="text"/> (counting only lines after the first <paramref name="skip"/>) and returns it.</summary>
    public async Task<string> WaitForOutputAsync(string text, int skip = 0)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_output.Skip(skip).FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no output line contains '{text}'; output:\n{string.Join('\n', _output)}");
    }

    private static Process Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
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

    private const int SignalHangUp = 1;
    private const int SignalTerminate = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"^inotify wd:\S+ ino:([0-9a-f]+) ")]
    private static partial Regex InotifyWatch();

    [GeneratedRegex(@"listening on (http://[^\s,:]+:\d+)")]
    private static partial Regex ListeningOn();
}
