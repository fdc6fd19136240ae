using System.Diagnostics;
using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace LlmProxy.Benchmarks.Access;

/// <summary>
/// The latency an admission adds to a request (issue 17's target: Redis limits at most 100 µs over local limits at
/// p50), as percentiles of single admissions rather than a loop's mean: each admission of a key with rpm, tpm,
/// parallel and budget limits is timed alone, then settled outside the timing, and a PING awaited after it so that the
/// server has run the settlement before the next admission starts, as it has between one request's end and the next's.
/// Run: <c>dotnet run -c Release --project bench/Proxy.Benchmarks -- admission-latency [samples]</c>.
/// </summary>
internal static class AdmissionLatency
{
    public static async Task<int> RunAsync(int samples)
    {
        var key = ClientKey.FromConfig(new KeyConfig("sk-bench", "bench", ["*"], 1_000_000_000, 1_000_000_000, 1_000_000, 1_000_000m, BudgetPeriod.Monthly));
        using var server = RedisServer.Start();
        using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true"); // admin: INFO at the end
        var database = connection.GetDatabase();
        var local = new LocalRequestLimiter(TimeProvider.System);
        var shared = new RedisRequestLimiter(connection, new RedisOptions(server.ConnectionString, 1, "bench:"), TimeProvider.System,
            NullLogger<RedisRequestLimiter>.Instance);
        var reservation = new Reservation(40, 256, 160_000_000);

        async Task<double[]> TimeAsync(IRequestLimiter limiter, int count)
        {
            var micros = new double[count];
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var admission = await limiter.AdmitAsync(key, reservation, default);
                micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                limiter.Settle(admission, 150, 120_000_000);
                await database.PingAsync();
            }
            Array.Sort(micros);
            return micros;
        }

        async Task<double[]> PingAsync(int count)
        {
            var micros = new double[count];
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await database.PingAsync();
                micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
            Array.Sort(micros);
            return micros;
        }

        // Warm-up: JIT, the script cached on the server, the connection's buffers.
        await TimeAsync(local, 2_000);
        await TimeAsync(shared, 2_000);
        await PingAsync(2_000);
        // Interleaved rounds, so a slow phase of the VM weighs on every side alike.
        var rounds = 5;
        var (localAll, sharedAll, pingAll) = (new List<double>(), new List<double>(), new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            localAll.AddRange(await TimeAsync(local, samples / rounds));
            sharedAll.AddRange(await TimeAsync(shared, samples / rounds));
            pingAll.AddRange(await PingAsync(samples / rounds));
        }
        Console.WriteLine($"admission latency, {samples} samples each, µs (p50 / p90 / p99):");
        Report("local limits", localAll);
        Report("Redis limits", sharedAll);
        Report("PING", pingAll);
        Console.WriteLine($"Redis over local at p50: {Percentile(sharedAll, 0.5) - Percentile(localAll, 0.5):F1} µs (target: at most 100)");
        // What of it the server spends running the scripts (cmdstat_evalsha: the admission and the settlement).
        var stats = await connection.GetServer(connection.GetEndPoints()[0]).InfoRawAsync("commandstats");
        foreach (var line in stats!.Split('\n'))
        {
            if (line.StartsWith("cmdstat_evalsha", StringComparison.Ordinal) || line.StartsWith("cmdstat_ping", StringComparison.Ordinal))
            {
                Console.WriteLine("  server: " + line.Trim());
            }
        }
        return 0;
    }

    private static void Report(string name, List<double> micros)
    {
        micros.Sort();
        Console.WriteLine($"  {name,-14} {Percentile(micros, 0.5),8:F1} {Percentile(micros, 0.9),8:F1} {Percentile(micros, 0.99),8:F1}");
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, p * sorted.Count)];
}
