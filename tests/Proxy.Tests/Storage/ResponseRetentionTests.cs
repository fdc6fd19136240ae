using LlmProxy.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LlmProxy.Tests.Storage;

public sealed class ResponseRetentionTests : IDisposable
{
    private readonly TemporaryDatabase _database = new();
    private readonly FakeTimeProvider _time = new(StoredResponses.Clock);

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Retention_Started_DeletesExpiredAtOnceThenEveryHour()
    {
        using var store = _database.Open(_time);
        var now = StoredResponses.Now;
        await store.SaveAsync(StoredResponses.Make("expired", expiresAt: now - 1), default);
        await store.SaveAsync(StoredResponses.Make("in-half-an-hour", expiresAt: now + 1800), default);
        await store.SaveAsync(StoredResponses.Make("in-two-hours", expiresAt: now + 7200), default);
        using var retention = new ResponseRetention(store, _time, NullLogger<ResponseRetention>.Instance);

        await retention.StartAsync(default);
        await WaitForAsync(() => Ids() == "in-half-an-hour,in-two-hours", "the pass at start-up");
        _time.Advance(TimeSpan.FromMinutes(59));
        await Task.Delay(100);
        Assert.Equal("in-half-an-hour,in-two-hours", Ids());
        _time.Advance(TimeSpan.FromMinutes(1));
        await WaitForAsync(() => Ids() == "in-two-hours", "the hourly pass");
        await retention.StopAsync(default);

        Assert.Equal("in-two-hours", Ids());
    }

    [Fact]
    public async Task Retention_PassFails_KeepsRunningAndTriesAgainNextHour()
    {
        var store = new FailingOnceStore();
        using var retention = new ResponseRetention(store, _time, NullLogger<ResponseRetention>.Instance);

        await retention.StartAsync(default);
        await WaitForAsync(() => store.Calls == 1, "the failing pass");
        _time.Advance(ResponseRetention.Interval);
        await WaitForAsync(() => store.Calls == 2, "the next pass after a failure");
        await retention.StopAsync(default);

        Assert.Equal(StoredResponses.Now + 3600, store.LastNow);
    }

    private string Ids() => _database.Scalar("SELECT group_concat(id) FROM (SELECT id FROM responses ORDER BY id)") as string ?? "";

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    private sealed class FailingOnceStore : IResponseStore
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public long LastNow { get; private set; }

        public Task<int> DeleteExpiredAsync(long nowUnixSeconds, CancellationToken cancellationToken)
        {
            LastNow = nowUnixSeconds;
            return Interlocked.Increment(ref _calls) == 1 ? throw new IOException("disk I/O error") : Task.FromResult(0);
        }

        public Task SaveAsync(StoredResponse response, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<StoredResponse?> FindAsync(string id, string owner, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<byte[]?> FindEventsAsync(string id, string owner, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<long?> SizeAsync(string id, string owner, bool withEvents, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> DeleteAsync(string id, string owner, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
