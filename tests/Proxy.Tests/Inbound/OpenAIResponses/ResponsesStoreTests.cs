using System.Security.Cryptography;
using LlmProxy.Canonical;
using LlmProxy.Inbound.OpenAIResponses;
using LlmProxy.Storage;
using LlmProxy.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmProxy.Tests.Inbound.OpenAIResponses;

/// <summary>The sealing key and the previous_response_id chains the Responses dialect reads from the store.</summary>
public sealed class ResponsesStoreTests : IDisposable
{
    private readonly TemporaryDatabase _database = new();

    private ResponsesStore Open(OpenedResponseStore store, byte[]? key = null) =>
        new(store, TimeProvider.System, 30, key, NullLogger<ResponsesStore>.Instance);

    [Fact]
    public async Task Seal_NoConfiguredKey_GeneratedOnceAndSharedByEveryInstanceOnTheStore()
    {
        string sealedText;
        using (var first = _database.Open())
        {
            sealedText = (await Open(first).SealAsync(default)).Seal(ReasoningSeal.ReasoningKind, "thought", "sig");
        }
        using var second = _database.Open();

        Assert.True((await Open(second).SealAsync(default)).TryOpen(sealedText, out ReasoningPart part), "a restart must still open what was sealed before it");
        Assert.Equal(("thought", "sig"), (part.Text, part.Signature));
    }

    [Fact]
    public async Task Seal_ConfiguredKey_OpensOnAnotherInstanceWithTheSameKeyOnly()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var store = _database.Open();

        var sealedText = (await Open(store, key).SealAsync(default)).Seal(ReasoningSeal.ReasoningKind, "thought", "sig");

        Assert.True(new ReasoningSeal(key).TryOpen(sealedText, out _));
        Assert.False((await Open(store).SealAsync(default)).TryOpen(sealedText, out _)); // the store's generated key is another one
    }

    [Fact]
    public async Task Chain_ThreeResponses_OldestFirstAndOnlyForTheOwner()
    {
        using var store = _database.Open();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var (id, previous) in new[] { ("r1", (string?)null), ("r2", "r1"), ("r3", "r2") })
        {
            await store.SaveAsync(new StoredResponse(id, "alice", now, now + 3600, "completed", previous, "{}"u8.ToArray(), "[]"u8.ToArray()), default);
        }
        var responses = Open(store);

        var (chain, error) = await responses.ChainAsync("r3", "alice", default);
        var (stolen, refusal) = await responses.ChainAsync("r3", "mallory", default);

        Assert.Null(error);
        Assert.Equal(["r1", "r2", "r3"], chain!.Select(r => r.Id));
        Assert.Null(stolen);
        Assert.Equal((400, "previous_response_not_found", "previous_response_id"), (refusal!.Status, refusal.Code, refusal.Param));
    }

    [Fact]
    public async Task Chain_AnEarlierResponseDeleted_NotFoundRatherThanAHalfConversation()
    {
        using var store = _database.Open();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await store.SaveAsync(new StoredResponse("r1", "alice", now, now + 3600, "completed", null, "{}"u8.ToArray(), "[]"u8.ToArray()), default);
        await store.SaveAsync(new StoredResponse("r2", "alice", now, now + 3600, "completed", "r1", "{}"u8.ToArray(), "[]"u8.ToArray()), default);
        await store.DeleteAsync("r1", "alice", default);

        var (chain, error) = await Open(store).ChainAsync("r2", "alice", default);

        Assert.Null(chain);
        Assert.Equal("previous_response_not_found", error!.Code);
    }

    [Fact]
    public async Task Chain_StoredBytesOverTheBodyCap_RefusedRatherThanLoadedWhole()
    {
        using var store = _database.Open();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var big = new byte[600];
        foreach (var (id, previous) in new[] { ("r1", (string?)null), ("r2", "r1"), ("r3", "r2") })
        {
            await store.SaveAsync(new StoredResponse(id, "alice", now, now + 3600, "completed", previous, big, "[]"u8.ToArray()), default);
        }
        var capped = new ResponsesStore(store, TimeProvider.System, 30, null, NullLogger<ResponsesStore>.Instance, maxConversationBytes: 1000);

        var (chain, error) = await capped.ChainAsync("r3", "alice", default);

        Assert.Null(chain);
        Assert.Equal(("conversation_too_large", "previous_response_id"), (error!.Code, error.Param));
    }

    [Fact]
    public async Task Read_LargerThanTheBodyBudgetLeaves_BusyAndTheBudgetIsGivenBack()
    {
        using var store = _database.Open();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await store.SaveAsync(new StoredResponse("r1", "alice", now, now + 3600, "completed", null, new byte[700], "[]"u8.ToArray()), default);
        var budget = new LlmProxy.Inbound.BodyBudget(1000);
        var responses = new ResponsesStore(store, TimeProvider.System, 30, null, NullLogger<ResponsesStore>.Instance, budget);

        using (var first = await responses.ReadAsync("r1", "alice", withEvents: false, default))
        {
            Assert.NotNull(first.Response);
            using var second = await responses.ReadAsync("r1", "alice", withEvents: false, default);
            Assert.Null(second.Response);
            Assert.Equal(503, second.Busy!.Status); // the first still holds 702 of the 1000 bytes
        }
        using var third = await responses.ReadAsync("r1", "alice", withEvents: false, default);
        Assert.NotNull(third.Response);
        Assert.Null((await responses.ReadAsync("nope", "alice", withEvents: false, default)).Response);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _database.Dispose();
    }
}
