using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace LlmProxy.LoadTools;

/// <summary>
/// Opens CONCURRENCY streaming chat requests at once over raw HTTP/1.1 sockets (no client library between the
/// wire and the clock), and times every SSE frame: time to first frame, the gap between frames of a stream, and
/// whether every content frame and the final [DONE] arrived.
/// </summary>
internal static class StreamLoad
{
    private const int ConnectsInFlight = 256;

    // A stuck target must not hang the harness: every stream gives up after this.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(args[0]);
        var concurrency = int.Parse(args[1]);
        var body = await File.ReadAllBytesAsync(args[2]);
        var headers = new StringBuilder()
            .Append($"POST {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nContent-Type: application/json\r\n")
            .Append($"Authorization: Bearer {args[3]}\r\nContent-Length: {body.Length}\r\n");
        foreach (var extra in args[4..])
        {
            headers.Append(extra).Append("\r\n");
        }
        var request = Encoding.ASCII.GetBytes(headers.Append("\r\n").ToString()).Concat(body).ToArray();

        using var deadline = new CancellationTokenSource(Deadline);
        var connects = new SemaphoreSlim(ConnectsInFlight);
        var open = 0;
        var peakOpen = 0;
        var started = Stopwatch.GetTimestamp();
        var results = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            await connects.WaitAsync();
            var result = await RunOneAsync(url, request, deadline.Token, () =>
            {
                connects.Release();
                var now = Interlocked.Increment(ref open);
                int seen;
                while (now > (seen = Volatile.Read(ref peakOpen)) && Interlocked.CompareExchange(ref peakOpen, now, seen) != seen)
                {
                }
            });
            Interlocked.Decrement(ref open);
            return result;
        }));
        var wall = Stopwatch.GetElapsedTime(started);

        var complete = results.Count(r => r.Done && r.ContentFrames == results.Max(x => x.ContentFrames));
        var firstFrames = results.Where(r => r.FirstFrameMs >= 0).Select(r => r.FirstFrameMs).ToArray();
        var gaps = results.SelectMany(r => r.GapsMs).ToArray();
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"RESULT streams {concurrency} complete {complete} failed {results.Count(r => r.Error is not null)} peak_open {peakOpen} " +
            $"streams_per_s {concurrency / wall.TotalSeconds:F0} ttff_p50_ms {Percentile(firstFrames, 50):F2} ttff_p99_ms {Percentile(firstFrames, 99):F2} " +
            $"gap_p50_ms {Percentile(gaps, 50):F2} gap_p99_ms {Percentile(gaps, 99):F2} gap_max_ms {(gaps.Length > 0 ? gaps.Max() : 0):F1} " +
            $"content_frames {results.Sum(r => (long)r.ContentFrames)}"));
        foreach (var error in results.Where(r => r.Error is not null).Select(r => r.Error).Distinct().Take(5))
        {
            Console.Error.WriteLine("stream error: " + error);
        }
        return 0;
    }

    private static async Task<StreamResult> RunOneAsync(Uri url, byte[] request, CancellationToken cancellationToken, Action connected)
    {
        var gaps = new List<double>(64);
        var contentFrames = 0;
        var done = false;
        double firstFrame = -1;
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(url.Host, url.Port, cancellationToken);
            }
            finally
            {
                connected();
            }
            var sent = Stopwatch.GetTimestamp();
            await socket.SendAsync(request, cancellationToken);
            var buffer = new byte[8192];
            long lastFrame = 0;
            byte previous = 0;
            var window = new byte[8];
            while (!done)
            {
                var read = await socket.ReceiveAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }
                var now = Stopwatch.GetTimestamp();
                var span = buffer.AsSpan(0, read);
                var frames = 0;
                for (var i = 0; i < span.Length; i++)
                {
                    if (span[i] == (byte)'\n' && previous == (byte)'\n')
                    {
                        frames++;
                    }
                    previous = span[i];
                }
                contentFrames += Count(span, " tok\""u8, window);
                done = span.IndexOf("[DONE]"u8) >= 0;
                for (var f = 0; f < frames; f++)
                {
                    if (lastFrame == 0)
                    {
                        firstFrame = Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds;
                    }
                    else
                    {
                        gaps.Add(f == 0 ? Stopwatch.GetElapsedTime(lastFrame, now).TotalMilliseconds : 0);
                    }
                    lastFrame = now;
                }
            }
            return new StreamResult(firstFrame, gaps, contentFrames, done, done ? null : "stream ended before [DONE]");
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return new StreamResult(firstFrame, gaps, contentFrames, false, e.Message);
        }
    }

    // Counts a marker, including one split across two reads (the last bytes of the previous read are kept in window).
    private static int Count(ReadOnlySpan<byte> span, ReadOnlySpan<byte> marker, byte[] window)
    {
        var joined = new byte[window.Length + span.Length];
        window.CopyTo(joined, 0);
        span.CopyTo(joined.AsSpan(window.Length));
        var count = 0;
        var rest = joined.AsSpan();
        int at;
        while ((at = rest.IndexOf(marker)) >= 0)
        {
            // A marker wholly inside the window was already counted with the previous read.
            if (joined.Length - rest.Length + at + marker.Length > window.Length)
            {
                count++;
            }
            rest = rest[(at + marker.Length)..];
        }
        joined.AsSpan(joined.Length - window.Length).CopyTo(window);
        return count;
    }

    /// <summary>The nearest-rank percentile of <paramref name="values"/> (sorted in place).</summary>
    internal static double Percentile(double[] values, double percentile)
    {
        if (values.Length == 0)
        {
            return 0;
        }
        Array.Sort(values);
        return values[(int)Math.Min(values.Length - 1, Math.Ceiling(percentile / 100 * values.Length) - 1)];
    }

    private sealed record StreamResult(double FirstFrameMs, List<double> GapsMs, int ContentFrames, bool Done, string? Error);
}
