using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using LlmProxy.Benchmarks;

// Runs every micro-benchmark (or those matching --filter), then fails if one allocates more than its budget.
var config = DefaultConfig.Instance.AddJob(Job.ShortRun).WithOptions(ConfigOptions.DisableOptimizationsValidator);
var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkInputs).Assembly).Run(args, config);
return AllocationBudgets.Check(summaries, Path.Combine(AppContext.BaseDirectory, "allocation-budgets.json"));
