using System.Security.Cryptography;
using System.Text;
using LlmProxy.Storage;
using LlmProxy.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmProxy.IntegrationTests.Storage;

/// <summary>The store as the running proxy has it: its own file per test host, kept across a restart on the same file.</summary>
public sealed class ResponseStoreHostingTests
{
    [Fact]
    public async Task ProxyHost_DefaultConfig_KeepsItsDatabaseInAFolderOfItsOwnRemovedOnDispose()
    {
        string path;
        await using (var proxy = await ProxyHost.StartAsync(ProxyHost.Config("m", """{ "type": "mock" }""")))
        {
            path = proxy.DatabasePath;
            Assert.True(File.Exists(path));
            Assert.StartsWith(Path.GetTempPath(), path);
            Assert.EndsWith(Path.Combine("data", "llm-proxy.db"), path);
        }

        Assert.False(Directory.Exists(Path.GetDirectoryName(Path.GetDirectoryName(path))), "a test host leaves no database behind");
    }

    [Fact]
    public async Task ProxyHost_RestartedOnTheSameFile_KeepsResponsesAndSecrets()
    {
        var folder = Directory.CreateTempSubdirectory("llm-proxy-restart-").FullName;
        var path = Path.Combine(folder, "proxy.db");
        var config = ProxyHost.Config("m", """{ "type": "mock" }""");
        var response = new StoredResponse("resp_1", "test", 1, DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds(), "completed", null,
            Encoding.UTF8.GetBytes("""{"id":"resp_1"}"""), Encoding.UTF8.GetBytes("[]"));
        try
        {
            byte[] secret;
            await using (var first = await ProxyHost.StartOnDatabaseAsync(path, config))
            {
                var store = first.Services.GetRequiredService<IResponseStore>();
                await store.SaveAsync(response, default);
                secret = await store.GetOrCreateSecretAsync("key", () => RandomNumberGenerator.GetBytes(32), default);
            }

            await using var second = await ProxyHost.StartOnDatabaseAsync(path, config);
            var reopened = second.Services.GetRequiredService<IResponseStore>();

            Assert.Equal(path, second.DatabasePath);
            Assert.Equal(response.Response, (await reopened.FindAsync("resp_1", "test", default))?.Response);
            Assert.Equal(secret, await reopened.GetOrCreateSecretAsync("key", () => throw new InvalidOperationException("must exist"), default));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
