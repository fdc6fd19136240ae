using LlmProxy.Usage;

namespace LlmProxy.Tests.Usage;

/// <summary>The queue the usage ledger and the access log hand their records to: every item written once, in order, never waited for.</summary>
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
    public async Task Start_Twice_Throws()
    {
        var queue = new GatheringQueue<int>(10, batchSize: 10, TimeSpan.FromMilliseconds(5), TimeProvider.System, _ => { }, _ => { });
        queue.Start("test queue");

        Assert.Throws<InvalidOperationException>(() => queue.Start("test queue"));
        await queue.StopAsync(CancellationToken.None);
    }
}
