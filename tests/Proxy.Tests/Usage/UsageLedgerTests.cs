using LlmProxy.Canonical;
using LlmProxy.Storage;
using LlmProxy.Usage;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmProxy.Tests.Usage;

public sealed class UsageLedgerTests
{
    internal static UsageRecord Record(int n) => new(n, "key_a", "a", null, "echo", "local", "echo", "chat.completions", 200, null,
        new TokenUsage(n, n), n, false, 1, 1, 0.1, 1, false, false);

    [Fact]
    public async Task Record_ThenStop_WritesEveryRecordInBatches()
    {
        var store = new GatedUsageStore();
        var ledger = new UsageLedger(store, 10_000, TimeProvider.System, NullLogger<UsageLedger>.Instance);
        await ledger.StartAsync(CancellationToken.None);

        for (var i = 0; i < 2_500; i++)
        {
            ledger.Record(Record(i));
        }
        await ledger.StopAsync(CancellationToken.None);

        Assert.Equal(2_500, store.Records.Count);
        Assert.Equal(Enumerable.Range(0, 2_500).Select(i => (long)i), store.Records.Select(r => r.Time)); // in order, none twice
        Assert.All(store.Batches, size => Assert.InRange(size, 1, UsageLedger.BatchSize));
        Assert.Equal((2_500L, 0L, 0L), (ledger.Written, ledger.Dropped, ledger.Lost));
    }

    [Fact]
    public async Task Record_QueueFull_DropsAndCountsWithoutBlocking()
    {
        var store = new GatedUsageStore { Closed = true };
        var ledger = new UsageLedger(store, 4, TimeProvider.System, NullLogger<UsageLedger>.Instance);
        await ledger.StartAsync(CancellationToken.None);
        ledger.Record(Record(0));
        await store.Entered.Task; // the writer holds record 0 in a batch the store does not finish yet

        for (var i = 1; i <= 10; i++)
        {
            ledger.Record(Record(i)); // must return at once although nothing drains the queue
        }

        Assert.Equal(6, ledger.Dropped);
        Assert.Equal(4, ledger.Queued);
        store.Open();
        await ledger.StopAsync(CancellationToken.None);
        Assert.Equal(5, store.Records.Count);
    }

    // Moves the ledger's clock on, a step at a time, while its writer still has retries to make for the test (pending).
    private static async Task RetriesPassAsync(Microsoft.Extensions.Time.Testing.FakeTimeProvider time, TimeSpan step, Func<bool> pending)
    {
        for (var i = 0; i < 50 && pending(); i++)
        {
            time.Advance(step);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Append_StoreKeepsFailing_CountsTheBatchLostAndGoesOn()
    {
        var store = new GatedUsageStore { Failures = 100 };
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var ledger = new UsageLedger(store, 100, time, NullLogger<UsageLedger>.Instance);
        await ledger.StartAsync(CancellationToken.None);

        ledger.Record(Record(1));
        await RetriesPassAsync(time, TimeSpan.FromSeconds(10), () => ledger.Lost == 0);

        Assert.Equal(1, ledger.Lost);
        store.Failures = 0;
        ledger.Record(Record(2));
        await ledger.StopAsync(CancellationToken.None);
        Assert.Equal(2, Assert.Single(store.Records).Time);
    }

    [Fact]
    public async Task Append_OneRecordTheStoreRefuses_LosesOnlyThatRecordNotItsBatch()
    {
        var store = new GatedUsageStore { Poison = 3 };
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var ledger = new UsageLedger(store, 100, time, NullLogger<UsageLedger>.Instance);
        await ledger.StartAsync(CancellationToken.None);
        for (var i = 1; i <= 5; i++)
        {
            ledger.Record(Record(i));
        }
        await RetriesPassAsync(time, TimeSpan.FromSeconds(10), () => ledger.Written + ledger.Lost < 5);
        await ledger.StopAsync(CancellationToken.None);

        Assert.Equal([1L, 2L, 4L, 5L], store.Records.Select(r => r.Time));
        Assert.Equal((4L, 1L), (ledger.Written, ledger.Lost));
    }

    [Fact]
    public async Task Append_StoreFailsOnce_RetriesAndLosesNothing()
    {
        var store = new GatedUsageStore { Failures = 1 };
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var ledger = new UsageLedger(store, 100, time, NullLogger<UsageLedger>.Instance);
        await ledger.StartAsync(CancellationToken.None);

        ledger.Record(Record(7));
        await RetriesPassAsync(time, TimeSpan.FromSeconds(1), () => ledger.Written == 0);
        await ledger.StopAsync(CancellationToken.None);

        Assert.Equal(7, Assert.Single(store.Records).Time);
        Assert.Equal(0, ledger.Lost);
    }

    [Fact]
    public async Task Record_WriterIdle_IsWrittenWithinAGatheringWithoutAStop()
    {
        var store = new GatedUsageStore();
        var ledger = new UsageLedger(store, 100, TimeProvider.System, NullLogger<UsageLedger>.Instance);
        await ledger.StartAsync(CancellationToken.None);
        await Task.Delay(UsageLedger.GatherTime * 3); // past a whole empty gathering: the writer waits on the queue

        ledger.Record(Record(1));
        for (var i = 0; i < 200 && ledger.Written == 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, ledger.Written);
        await ledger.StopAsync(CancellationToken.None);
        Assert.Equal(1, Assert.Single(store.Records).Time);
    }

    [Fact]
    public async Task Stop_NeverStarted_CountsWhatQueuedAsLost()
    {
        var ledger = new UsageLedger(new GatedUsageStore(), 100, TimeProvider.System, NullLogger<UsageLedger>.Instance);
        ledger.Record(Record(1));
        ledger.Record(Record(2));

        await ledger.StopAsync(CancellationToken.None);

        Assert.Equal((0L, 0L, 2L), (ledger.Written, ledger.Dropped, ledger.Lost));
    }

    [Fact]
    public async Task Start_Twice_IsRefused()
    {
        var ledger = new UsageLedger(new GatedUsageStore(), 100, TimeProvider.System, NullLogger<UsageLedger>.Instance);
        await ledger.StartAsync(CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.StartAsync(CancellationToken.None));
        await ledger.StopAsync(CancellationToken.None);
    }

    /// <summary>An in-memory ledger store that can hold a batch open, or fail a number of times.</summary>
    private sealed class GatedUsageStore : IUsageStore
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<UsageRecord> Records { get; } = [];

        public List<int> Batches { get; } = [];

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Closed { get; init; }

        public int Failures { get; set; }

        /// <summary>A record the store cannot hold: every batch holding it fails, as a whole.</summary>
        public long? Poison { get; init; }

        public void Open() => _open.TrySetResult();

        public async Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken, Guid batchId = default)
        {
            Entered.TrySetResult();
            if (Closed)
            {
                await _open.Task;
            }
            if (Failures > 0)
            {
                Failures--;
                throw new StorageException("planted fault: the disk is full");
            }
            foreach (var record in records)
            {
                if (record.Time == Poison)
                {
                    throw new StorageException("planted fault: a value the column cannot hold");
                }
            }
            lock (Records)
            {
                Records.AddRange(records);
                Batches.Add(records.Count);
            }
        }

        public Task<IReadOnlyList<UsageTotals>> SummarizeAsync(long fromUnixMs, long toUnixMs, UsageGrouping groupBy, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyDictionary<string, Int128>> SpentSinceAsync(long sinceUnixMs, UsageGrouping groupBy, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<Int128> SpentAsync(string subjectId, UsageGrouping groupBy, long sinceUnixMs, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
