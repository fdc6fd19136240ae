using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace LlmProxy.LoadTools;

/// <summary>
/// Sends POSTs at a fixed rate for a fixed time, open loop (a slow answer does not slow the next request, as real
/// clients do not wait for each other), reading every answer to its end, streams included. Prints how many were sent,
/// answered 2xx, answered otherwise or failed, and the latency to the end of the answer.
/// </summary>
internal static class RateLoad
{
    private const int MaxInFlight = 4096;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(args[0]);
        var rate = double.Parse(args[1], CultureInfo.InvariantCulture);
        var duration = TimeSpan.FromSeconds(double.Parse(args[2], CultureInfo.InvariantCulture));
        var body = await File.ReadAllBytesAsync(args[3]);
        var key = args[4];
        var headers = args[5..].Select(header => header.Split(':', 2)).ToArray();

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = MaxInFlight }) { Timeout = TimeSpan.FromSeconds(120) };
        long sent = 0, ok = 0, refused = 0, failed = 0, inFlight = 0;
        var latencies = new List<double>();
        var pending = new List<Task>();
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            var due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                if (Interlocked.Read(ref inFlight) >= MaxInFlight)
                {
                    Interlocked.Increment(ref failed); // the target fell this far behind: counted, not queued
                    continue;
                }
                Interlocked.Increment(ref inFlight);
                pending.Add(SendAsync());
            }
            pending.RemoveAll(task => task.IsCompleted);
            await Task.Delay(Tick);
        }
        await Task.WhenAll(pending);
        double[] all;
        lock (latencies)
        {
            all = [.. latencies];
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT sent {sent} ok {ok} refused {refused} failed {failed} rate_per_s {sent / duration.TotalSeconds:F1} " +
            $"p50_ms {StreamLoad.Percentile(all, 50):F1} p99_ms {StreamLoad.Percentile(all, 99):F1}"));
        return 0;

        async Task SendAsync()
        {
            var begun = Stopwatch.GetTimestamp();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                foreach (var header in headers)
                {
                    request.Headers.TryAddWithoutValidation(header[0], header[1].Trim());
                }
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                await using var stream = await response.Content.ReadAsStreamAsync();
                await stream.CopyToAsync(Stream.Null);
                Interlocked.Increment(ref response.IsSuccessStatusCode ? ref ok : ref refused);
                lock (latencies)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(begun).TotalMilliseconds);
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                Interlocked.Increment(ref failed);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }
}
