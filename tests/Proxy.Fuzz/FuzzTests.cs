using Xunit.Abstractions;

namespace LlmProxy.Fuzz;

/// <summary>
/// Each parser of outside bytes, fuzzed: a fixed pass in the test suite, LLM_PROXY_FUZZ_INPUTS random inputs per parser
/// in a full run (<c>./build.sh fuzz [N]</c>, shrinking any failure), which appends a row per parser to LLM_PROXY_FUZZ_REPORT.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    public static TheoryData<string> Parsers => Targets.Names;

    [Theory]
    [MemberData(nameof(Parsers))]
    public void Parser_MutatedInputs_AreAcceptedOrRefusedNeverThrowHangOrRunAway(string target)
    {
        var run = Fuzzer.FullRunInputs is { } inputs ? Fuzzer.Run(Targets.Named(target), inputs) : Fuzzer.RunFixed(Targets.Named(target), Fuzzer.SuiteInputs);

        output.WriteLine(run.Row);
        if (Environment.GetEnvironmentVariable("LLM_PROXY_FUZZ_REPORT") is { Length: > 0 } report)
        {
            File.AppendAllText(report, run.Row + Environment.NewLine);
        }
        Assert.True(run.Accepted > 0, $"{target}: no input was accepted, so mutations never reach past the first check");
    }

    [Theory]
    [MemberData(nameof(Parsers))]
    public void Parser_EverySeedUnchanged_IsAcceptedUnlessItRecordsAFailure(string target)
    {
        var fuzzTarget = Targets.Named(target);
        foreach (var seed in fuzzTarget.Seeds)
        {
            var bytes = fuzzTarget.Encode is { } encode ? encode(seed.Bytes) : seed.Bytes;
            var recordsAFailure = fuzzTarget.RefusesRecordedFailures && RecordedFailures.Any(seed.Name.StartsWith);
            foreach (var arrival in Enum.GetValues<Arrival>())
            {
                Assert.True(Fuzzer.RunOne(fuzzTarget, new FuzzInput(seed.Name, [], bytes, arrival, 0)) != recordsAFailure,
                    $"{target}: seed {seed.Name} arriving {arrival} was {(recordsAFailure ? "accepted" : "refused")}");
            }
        }
    }

    // Fixtures of a stream cut off or ending in the provider's error.
    private static readonly string[] RecordedFailures = ["truncated", "error", "throttled"];
}
