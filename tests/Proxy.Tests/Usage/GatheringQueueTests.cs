using LlmProxy.Usage;

namespace LlmProxy.Tests.Usage;

/// <summary>The queue the usage ledger and the request observer (metrics, access log) hand their items to: every item written once, in order, never waited for.</summary>
public sealed class GatheringQueueTests
{
    [Fact]
    public async Task Stop_AfterItemsAdded_WritesEachOnceInOrderInBatchesOfAtMostTheSize()
    {
        var batches = new List<int[]>();
        var queue = new GatheringQueue<int>(10_000, batchSize: 64, TimeSpan.FromMilliseconds(20), TimeProvider.System, batch => batches.Add([.. batch]), _ => { });
        queue.Start("test queue");
        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(queue.TryAdd(i));
        }

        Assert.Equal(0, await queue.StopAsync(CancellationToken.None));

        Assert.Equal(Enumerable.Range(0, 1_000), batches.SelectMany(batch => batch));
        Assert.All(batches, batch => Assert.InRange(batch.Length, 1, 64));
        Assert.True(queue.Stopping);
        Assert.False(queue.TryAdd(1_000), "an item after the stop comes after the last batch: refused, for the caller to count");
    }

    [Fact]
    public async Task Stop_WhileThreadsAdd_WritesEveryItemAcceptedOnceAndNoOther()
    {
        var written = new List<int>();
        var queue = new GatheringQueue<int>(1_000_000, batchSize: 100, TimeSpan.FromMilliseconds(1), TimeProvider.System, batch => written.AddRange(batch), _ => { });
        queue.Start("test queue");
        var accepted = new int[4][];
        var adders = Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
        {
            var mine = new List<int>();
            for (var i = thread * 1_000_000; i < thread * 1_000_000 + 200_000; i++)
            {
                if (queue.TryAdd(i))
                {
                    mine.Add(i);
                }
            }
            accepted[thread] = [.. mine];
        })).ToArray();
        await Task.Delay(5);

        await queue.StopAsync(CancellationToken.None);
        await Task.WhenAll(adders);

        Assert.Equal(accepted.SelectMany(items => items).Order(), written.Order());
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task TryAdd_AfterTheThreadWentIdle_IsWrittenWithoutWaitingForAnotherItem()
    {
        var written = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new GatheringQueue<int>(10, batchSize: 10, TimeSpan.FromMilliseconds(1), TimeProvider.System, batch => written.TrySetResult(batch[0]), _ => { });
        queue.Start("test queue");
        await Task.Delay(50); // many empty gatherings: the thread waits for an item

        Assert.True(queue.TryAdd(42));

        Assert.Equal(42, await written.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await queue.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void TryAdd_QueueFull_RefusesAtOnce()
    {
        var queue = new GatheringQueue<int>(2, batchSize: 10, TimeSpan.FromMilliseconds(20), TimeProvider.System, _ => { }, _ => { });

        Assert.Equal([true, true, false], new[] { queue.TryAdd(1), queue.TryAdd(2), queue.TryAdd(3) });
        Assert.Equal(2, queue.Count);
    }

    [Fact]
    public async Task Stop_NeverStarted_ReturnsHowManyWereNeverWritten()
    {
        var queue = new GatheringQueue<int>(10, batchSize: 10, TimeSpan.FromMilliseconds(20), TimeProvider.System, _ => throw new InvalidOperationException(), _ => { });
        queue.TryAdd(1);
        queue.TryAdd(2);

        Assert.Equal(2, await queue.StopAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Write_Throws_ReportsItAndTheThreadEndsWithoutTakingTheProcess()
    {
        Exception? reported = null;
        var queue = new GatheringQueue<int>(10, batchSize: 10, TimeSpan.FromMilliseconds(5), TimeProvider.System,
            _ => throw new InvalidOperationException("writer bug"), e => reported = e);
        queue.Start("test queue");
        queue.TryAdd(1);

        await queue.StopAsync(CancellationToken.None);

        Assert.Equal("writer bug", Assert.IsType<InvalidOperationException>(reported).Message);
    }

    [Fact]
    public async Task TryAdd_AfterTheWriterFailed_RefusesSoTheCallerCountsIt()
    {
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new GatheringQueue<int>(10, batchSize: 10, TimeSpan.FromMilliseconds(1), TimeProvider.System,
            _ => throw new InvalidOperationException("writer bug"), _ => failed.TrySetResult());
        queue.Start("test queue");
        queue.TryAdd(1);
        await failed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(queue.TryAdd(2), "no writer: a queued item would never be written");
        Assert.False(queue.Stopping);
        Assert.Equal(0, await queue.StopAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Start_Twice_Throws()
    {
        var queue = new GatheringQueue<int>(10, batchSize: 10, TimeSpan.FromMilliseconds(5), TimeProvider.System, _ => { }, _ => { });
        queue.Start("test queue");

        Assert.Throws<InvalidOperationException>(() => queue.Start("test queue"));
        await queue.StopAsync(CancellationToken.None);
    }
}
