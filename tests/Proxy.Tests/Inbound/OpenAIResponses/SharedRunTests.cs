using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Inbound.OpenAIResponses;
using LlmProxy.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace LlmProxy.Tests.Inbound.OpenAIResponses;

/// <summary>A run's events in a real Redis list, whose places are the events' sequence numbers for followers on other instances.</summary>
public sealed class SharedRunTests : IDisposable
{
    private readonly RedisServer _redis = RedisServer.Start();
    private readonly ConnectionMultiplexer _connection;
    private readonly SharedBackgroundRuns _runs;

    public SharedRunTests()
    {
        _connection = ConnectionMultiplexer.Connect(_redis.ConnectionString);
        _runs = new SharedBackgroundRuns(_connection, new RedisOptions(_redis.ConnectionString, 1, "run-test:"), new InstanceId(),
            NullLogger<SharedBackgroundRuns>.Instance);
    }

    public void Dispose()
    {
        _connection.Dispose();
        _redis.Dispose();
    }

    [Fact]
    public async Task Push_InOrder_EachEventAtItsSequenceNumber()
    {
        var run = new SharedRun(_runs, "resp_in_order");

        run.Push(0, "a"u8.ToArray());
        run.Push(1, "b"u8.ToArray());

        Assert.Equal(["a", "b"], await ListAsync("resp_in_order"));
    }

    [Fact]
    public async Task Push_AfterALostEvent_EndsTheListInsteadOfShiftingTheRest()
    {
        var run = new SharedRun(_runs, "resp_gap");

        run.Push(0, "a"u8.ToArray());
        run.Push(2, "c"u8.ToArray()); // event 1 never arrived
        run.Push(3, "d"u8.ToArray());

        // Ended where the gap is: a follower stops there and resumes from the stored run, never reading c as event 1.
        Assert.Equal(["a", ""], await ListAsync("resp_gap"));
    }

    [Fact]
    public async Task StopElsewhere_RunOfAnInstanceThatDiesWhileAsked_AnswersGoneWithinTheStampsExpiryNotTheWholeWait()
    {
        var database = _connection.GetDatabase();
        await database.StringSetAsync(_runs.RunKey("resp_orphan"), "crashed-instance");
        var serverNow = new DateTimeOffset(DateTime.SpecifyKind(await _connection.GetServers()[0].TimeAsync(), DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        // Its last stamp is 4 s old: alive for one more second, then gone (stamps expire after 5 s).
        await database.SortedSetAddAsync("run-test:instances", "crashed-instance", serverNow - 4_000);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var place = await _runs.StopElsewhereAsync("resp_orphan", "key_owner", TimeSpan.FromSeconds(10), default);

        Assert.Equal(RunPlace.Gone, place);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
    }

    private async Task<string[]> ListAsync(string id) =>
        [.. (await _connection.GetDatabase().ListRangeAsync(_runs.EventsKey(id))).Select(value => (string)value!)];
}
