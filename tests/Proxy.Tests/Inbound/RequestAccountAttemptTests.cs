using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Inbound;
using LlmProxy.Observability;
using LlmProxy.Providers;

namespace LlmProxy.Tests.Inbound;

public sealed class RequestAccountAttemptTests
{
    private static readonly AttemptEnd Served = new("alias", null!, AttemptEnd.Ok), Late = new("alias", null!, "canceled");

    private static RequestAccount NewAccount() =>
        new(ClientKey.FromConfig(new KeyConfig("sk-test", "test", ["*"], null, null, null, null)), WireFormat.OpenAIChatCompletions, 0, DateTimeOffset.UnixEpoch);

    [Fact]
    public void TryHoldAttempt_ServedAttempt_IsHeldAndTakenOnce()
    {
        var account = NewAccount();

        Assert.True(account.TryHoldAttempt(Served));
        Assert.Equal(Served, account.TakeHeldAttempt());
        Assert.Null(account.TakeHeldAttempt());
    }

    [Fact]
    public void TryHoldAttempt_OneAlreadyHeld_IsNotHeldAndTheFirstStays()
    {
        var account = NewAccount();
        account.TryHoldAttempt(Served);

        Assert.False(account.TryHoldAttempt(Late));
        Assert.Equal(Served, account.TakeHeldAttempt());
    }

    [Fact]
    public void TryHoldAttempt_AfterTheRequestsObservationTookIt_IsNotHeld()
    {
        // A hedge's loser that ends after the answer was observed must be counted on its own, not held and lost.
        var account = NewAccount();
        account.TakeHeldAttempt();

        Assert.False(account.TryHoldAttempt(Late));
        Assert.Null(account.TakeHeldAttempt());
    }
}
