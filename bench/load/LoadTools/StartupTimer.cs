using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace LlmProxy.LoadTools;

/// <summary>Time from exec of the proxy to its first 200 on /health, polled over a raw socket every 0.2 ms.</summary>
internal static class StartupTimer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (binary, config, port) = (args[0], args[1], int.Parse(args[2]));
        var request = Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(new ProcessStartInfo(binary, ["--config", config, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var buffer = new byte[64];
        try
        {
            while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
            {
                try
                {
                    using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync("127.0.0.1", port);
                    await socket.SendAsync(request);
                    var read = await socket.ReceiveAsync(buffer);
                    if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
                    {
                        Console.WriteLine($"RESULT startup_ms {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1}");
                        return 0;
                    }
                }
                catch (SocketException)
                {
                    await Task.Delay(TimeSpan.FromTicks(2000));
                }
            }
            Console.Error.WriteLine("no 200 within 10 s");
            return 1;
        }
        finally
        {
            process.Kill();
        }
    }
}
