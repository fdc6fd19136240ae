using LlmProxy.Storage;
using LlmProxy.Testing;
using StackExchange.Redis;

namespace LlmProxy.Tests.Storage;

public sealed class RedisScriptTests : IDisposable
{
    private readonly RedisServer _redis = RedisServer.Start();

    public void Dispose() => _redis.Dispose();

    [Fact]
    public async Task EvaluateAsync_ScriptFlushedFromTheServer_SendsTheTextAndLoadsItAgain()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true");
        var script = new RedisScript("return tonumber(ARGV[1]) + 1");
        var first = (long)await script.EvaluateAsync(connection.GetDatabase(), [], [41]);

        await connection.GetServers()[0].ScriptFlushAsync();
        var afterFlush = (long)await script.EvaluateAsync(connection.GetDatabase(), [], [1]);

        Assert.Equal((42L, 2L), (first, afterFlush));
        Assert.True(await connection.GetServers()[0].ScriptExistsAsync(script.Text), "the script is loaded again");
    }
}
