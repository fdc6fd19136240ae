using System.Collections.Concurrent;
using System.Diagnostics;
using LlmProxy.Testing;

namespace LlmProxy.Fuzz;

/// <summary>
/// Catches a parser that never returns: an input still running after <see cref="Limit"/> is saved under
/// artifacts/fuzz/ and the process is stopped with a message naming it, since a hung thread cannot be failed otherwise.
/// </summary>
internal static class Watchdog
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private static readonly ConcurrentDictionary<int, (string Target, FuzzInput Input, long Started)> Running = new();
    private static readonly Timer Timer = new(_ => Check(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    public static void Enter(string target, FuzzInput input) =>
        Running[Environment.CurrentManagedThreadId] = (target, input, Stopwatch.GetTimestamp());

    public static void Exit() => Running.TryRemove(Environment.CurrentManagedThreadId, out _);

    private static void Check()
    {
        GC.KeepAlive(Timer);
        foreach (var (_, (target, input, started)) in Running)
        {
            if (Stopwatch.GetElapsedTime(started) > Limit)
            {
                var folder = Path.Combine(RepositoryRoot.Path, "artifacts", "fuzz");
                Directory.CreateDirectory(folder);
                var file = Path.Combine(folder, $"hang-{target}.bin");
                File.WriteAllBytes(file, input.Bytes);
                Environment.FailFast($"fuzz: {target} has not returned from one input in {Limit.TotalSeconds} s; saved to {file}: {input}");
            }
        }
    }
}
