using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Storage;

/// <summary>The config of a proxy on a PostgreSQL schema with the mock provider's <c>echo</c> and the test client key.</summary>
internal static class MockOnPostgres
{
    /// <param name="sections">More top-level sections, each followed by a comma (e.g. <c>"admin": {...},</c>).</param>
    public static string Config(string connectionString, string sections = "") => $$"""
        {
          {{sections}}
          "storage": { "type": "postgres", "connectionString": "{{connectionString}}" },
          "providers": { "m": { "type": "mock" } },
          "models": { "echo": [ { "provider": "m", "model": "echo" } ] },
          "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ]
        }
        """;
}
