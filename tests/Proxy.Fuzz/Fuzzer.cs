using System.Diagnostics;
using CsCheck;

namespace LlmProxy.Fuzz;

/// <summary>What one target's run did: inputs tried, how many the parser accepted, how long it took.</summary>
internal sealed record FuzzRun(FuzzTarget Target, long Inputs, long Accepted, TimeSpan Elapsed)
{
    public string Row => $"| {Target.Name} | {Target.Parser} | {Inputs:N0} | {100.0 * Accepted / Math.Max(1, Inputs):F1} % | " +
        $"{Elapsed.TotalSeconds:F0} s | {Inputs / Math.Max(0.001, Elapsed.TotalSeconds):N0} |";
}

/// <summary>
/// Runs a target's generated inputs through CsCheck (on every core, shrinking any failure to its smallest input) and
/// checks each against the rules every parser of outside bytes keeps: it returns or refuses the documented way, never
/// throws anything else, never hangs (see <see cref="Watchdog"/>), and allocates in proportion to its input.
/// </summary>
internal static class Fuzzer
{
    /// <summary>Inputs per target for a full run (<c>./build.sh fuzz</c>): LLM_PROXY_FUZZ_INPUTS; null in the test suite.</summary>
    public static long? FullRunInputs =>
        long.TryParse(Environment.GetEnvironmentVariable("LLM_PROXY_FUZZ_INPUTS"), out var inputs) && inputs > 0 ? inputs : null;

    /// <summary>The test suite's pass: the same inputs every run, so that CI is red only for a change, never by chance.</summary>
    public const int SuiteInputs = 3_000;

    // Allowance per input byte and in all: generous for parsers that keep text as strings, far below a runaway.
    private const long AllocationPerByte = 256;
    private const long AllocationBase = 4 * 1024 * 1024;

    public static FuzzRun Run(FuzzTarget target, long inputs)
    {
        long accepted = 0;
        var clock = Stopwatch.StartNew();
        target.Inputs.Sample(input =>
        {
            if (RunOne(target, input))
            {
                Interlocked.Increment(ref accepted);
            }
        }, iter: inputs, print: input => input.ToString());
        return new FuzzRun(target, inputs, accepted, clock.Elapsed);
    }

    /// <summary>The suite's pass: input i generated from PCG stream i, on every core; the first failure names its input.</summary>
    public static FuzzRun RunFixed(FuzzTarget target, int inputs)
    {
        long accepted = 0;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, inputs, i =>
        {
            var input = target.Inputs.Generate(new PCG((uint)i, 12_012), null, out _);
            try
            {
                if (RunOne(target, input))
                {
                    Interlocked.Increment(ref accepted);
                }
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"{target.Name}, input {i}: {input}", e);
            }
        });
        return new FuzzRun(target, inputs, accepted, clock.Elapsed);
    }

    /// <summary>Runs one input, throwing when the parser broke a rule.</summary>
    public static bool RunOne(FuzzTarget target, FuzzInput input)
    {
        Watchdog.Enter(target.Name, input);
        var before = GC.GetAllocatedBytesForCurrentThread();
        bool accepted;
        try
        {
            accepted = target.Run(input);
        }
        finally
        {
            Watchdog.Exit();
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var bound = AllocationBase + AllocationPerByte * input.Bytes.Length;
        if (allocated > bound)
        {
            throw new InvalidOperationException($"{target.Name} allocated {allocated:N0} bytes for a {input.Bytes.Length:N0}-byte input (bound {bound:N0})");
        }
        return accepted;
    }
}
