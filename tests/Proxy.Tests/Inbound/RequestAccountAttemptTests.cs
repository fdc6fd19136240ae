using LlmProxy.Access;
using LlmProxy.Providers;
using LlmProxy.Inbound;
using LlmProxy.Observability;

namespace LlmProxy.Tests.Inbound;

public sealed class RequestAccountAttemptTests
{
    private static readonly AttemptEnd First = new("alias", null!, "upstream_error"), Second = new("alias", null!, "ok"), Late = new("alias", null!, "canceled");

    private static RequestAccount NewAccount() =>
        new(ClientKey.FromConfig(new LlmProxy.Config.KeyConfig("sk-test", "test", ["*"], null, null, null, null, default)), WireFormat.OpenAIChatCompletions, 0,
            DateTimeOffset.UnixEpoch);

    [Fact]
    public void TryHoldAttempt_OnlyAttempt_IsHeldAndTakenOnce()
    {
        var account = NewAccount();

        Assert.True(account.TryHoldAttempt(First, out var released));
        Assert.Null(released);
        Assert.Equal(First, account.TakeHeldAttempt());
        Assert.Null(account.TakeHeldAttempt());
    }

    [Fact]
    public void TryHoldAttempt_SecondAttempt_ReleasesTheFirstAndHoldsNothing()
    {
        var account = NewAccount();
        account.TryHoldAttempt(First, out _);

        Assert.False(account.TryHoldAttempt(Second, out var released));
        Assert.Equal(First, released);
        Assert.Null(account.TakeHeldAttempt());
        Assert.False(account.TryHoldAttempt(Late, out released)); // a third: reported at once, nothing to release
        Assert.Null(released);
    }

    [Fact]
    public void TryHoldAttempt_AfterTheRequestsObservationTookIt_IsNotHeld()
    {
        // A hedge's loser that ends after the answer was observed must be counted on its own, not held and lost.
        var account = NewAccount();
        account.TryHoldAttempt(First, out _);
        account.TakeHeldAttempt();

        Assert.False(account.TryHoldAttempt(Late, out var released));
        Assert.Null(released);
    }
}
