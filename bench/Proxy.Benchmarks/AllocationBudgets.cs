using System.Text.Json;
using BenchmarkDotNet.Reports;

namespace LlmProxy.Benchmarks;

/// <summary>
/// The allowed bytes allocated per operation of each hot-path benchmark (allocation-budgets.json, keyed
/// <c>Class.Method</c>). A benchmark over budget, or one without a budget, fails the run: allocations on the hot
/// path are a decision, written down, not an accident. Benchmarks in the <see cref="Reference"/> category measure
/// a library the proxy's code is compared with; their figures are printed, never judged.
/// </summary>
internal static class AllocationBudgets
{
    public const string Reference = "reference";

    public static int Check(IEnumerable<Summary> summaries, string budgetFile)
    {
        var budgets = JsonSerializer.Deserialize<Dictionary<string, long>>(File.ReadAllText(budgetFile),
            new JsonSerializerOptions { ReadCommentHandling = JsonCommentHandling.Skip })!;
        var failures = 0;
        foreach (var report in summaries.SelectMany(s => s.Reports))
        {
            var name = $"{report.BenchmarkCase.Descriptor.Type.Name}.{report.BenchmarkCase.Descriptor.WorkloadMethod.Name}";
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            if (report.BenchmarkCase.Descriptor.HasCategory(Reference))
            {
                Console.WriteLine($"ref  {name}: {allocated} B/op (a library, for comparison)");
            }
            else if (allocated is null)
            {
                Console.WriteLine($"FAIL {name}: no allocation figure (did it run?)");
                failures++;
            }
            else if (!budgets.TryGetValue(name, out var budget))
            {
                Console.WriteLine($"FAIL {name}: {allocated} B/op, and no budget in {Path.GetFileName(budgetFile)}");
                failures++;
            }
            else
            {
                var verdict = allocated <= budget ? "ok  " : "FAIL";
                failures += allocated <= budget ? 0 : 1;
                Console.WriteLine($"{verdict} {name}: {allocated} B/op (budget {budget} B)");
            }
        }
        return failures == 0 ? 0 : 1;
    }
}
