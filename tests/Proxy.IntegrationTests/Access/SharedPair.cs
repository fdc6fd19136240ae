using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// Two proxy instances on one PostgreSQL schema and one real Redis, as a scaled-out deployment runs them, with the mock
/// provider: <c>echo</c> answers at once, <c>slow</c> says a word every 50 ms (a run long enough to follow or stop midway),
/// <c>priced</c> is <c>echo</c> at 1 USD per million tokens each way (for the budget key's 0.0002 USD).
/// </summary>
internal sealed class SharedPair : IAsyncDisposable
{
    public const string MasterKey = "master-shared-1";
    public const string LimitedKey = "sk-test-rpm60";
    public const string OtherKey = "sk-test-other";
    public const string BudgetKey = "sk-test-budget";
    public const string KeyPrefix = "shared-test:";

    private SharedPair(RedisServer redis, string connectionString, ProxyHost a, ProxyHost b) => (Redis, ConnectionString, A, B) = (redis, connectionString, a, b);

    public RedisServer Redis { get; }

    /// <summary>The PostgreSQL schema both instances use.</summary>
    public string ConnectionString { get; }

    public ProxyHost A { get; }

    public ProxyHost B { get; }

    public static async Task<SharedPair> StartAsync()
    {
        var redis = RedisServer.Start();
        var connectionString = PostgresServer.Shared.CreateSchema();
        var config = $$"""
            {
              "storage": { "type": "postgres", "connectionString": "{{connectionString}}" },
              "redis": { "connectionString": "{{redis.ConnectionString}}", "expectedInstances": 2, "keyPrefix": "{{KeyPrefix}}" },
              "admin": { "masterKey": "{{MasterKey}}" },
              "providers": { "m": { "type": "mock" }, "paced": { "type": "mock", "tokensPerSecond": 20 } },
              "models": { "echo": [ { "provider": "m", "model": "echo" } ], "slow": [ { "provider": "paced", "model": "echo" } ],
                          "priced": [ { "provider": "m", "model": "echo", "price": { "inputPerMTok": 1, "outputPerMTok": 1 } } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" }, { "key": "{{LimitedKey}}", "name": "rpm60", "rpm": 60 },
                        { "key": "{{OtherKey}}", "name": "other" }, { "key": "{{BudgetKey}}", "name": "budget", "budgetUsd": 0.0002 } ]
            }
            """;
        var a = await ProxyHost.StartAsync(config);
        var b = await ProxyHost.StartAsync(config);
        return new SharedPair(redis, connectionString, a, b);
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        Redis.Dispose();
    }
}
