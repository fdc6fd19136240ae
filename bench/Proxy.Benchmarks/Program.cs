using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using LlmProxy.Benchmarks;
using LlmProxy.Benchmarks.Access;

if (args is ["admission-latency", ..])
{
    return await AdmissionLatency.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 50_000);
}

// Runs every micro-benchmark (or those matching --filter), then fails if one allocates more than its budget.
var config = DefaultConfig.Instance.AddJob(Job.ShortRun).WithOptions(ConfigOptions.DisableOptimizationsValidator);
var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkInputs).Assembly).Run(args, config);
return AllocationBudgets.Check(summaries, Path.Combine(AppContext.BaseDirectory, "allocation-budgets.json"));
