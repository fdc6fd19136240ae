using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>
/// A wrong Redis password, found by a tester to look exactly like Redis being away: the shipped binary still starts
/// and serves (limits counted locally), and says what is wrong in one error line that never shows the password.
/// </summary>
public sealed class RedisCredentialsTests
{
    [Fact]
    public async Task Start_RedisRefusesThePassword_ServesAndLogsOneErrorNamingTheCredentialsNotThePassword()
    {
        using var redis = RedisServer.Start(password: "the-right-one");
        var folder = Directory.CreateTempSubdirectory("llm-proxy-redis-auth-").FullName;
        var config = Path.Combine(folder, "proxy.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "redis": { "connectionString": "{{redis.ConnectionString}},password=wrong-secret-42" },
              "providers": { "m": { "type": "mock" } },
              "models": { "echo": [ { "provider": "m", "model": "echo" } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "rpm": 60 } ]
            }
            """);
        try
        {
            await using var proxy = await PublishedBinary.StartAsync(config);
            using var client = new HttpClient { BaseAddress = proxy.Root };

            var told = await Eventually.HoldsAsync(() => proxy.Output.Any(line => line.Contains("refused the credentials", StringComparison.Ordinal)));
            var health = await client.GetStringAsync("/health");

            Assert.True(told, string.Join('\n', proxy.Output));
            Assert.Single(proxy.Output, line => line.Contains("refused the credentials", StringComparison.Ordinal));
            Assert.DoesNotContain(proxy.Output, line => line.Contains("wrong-secret-42", StringComparison.Ordinal));
            Assert.Contains("\"redis\":\"local\"", health);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
