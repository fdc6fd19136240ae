using LlmProxy.Admin;

namespace LlmProxy.Tests.Admin;

public sealed class KeySecretsTests
{
    [Fact]
    public void NewSecret_Is256RandomBitsInBase64UrlAfterTheMarker()
    {
        var secrets = Enumerable.Range(0, 100).Select(_ => KeySecrets.NewSecret()).ToList();

        Assert.All(secrets, secret => Assert.Matches("^sk-llmp-[A-Za-z0-9_-]{43}$", secret));
        Assert.Equal(secrets.Count, secrets.Distinct().Count());
        Assert.Equal("sk-llmp-abcd", KeySecrets.Prefix("sk-llmp-abcdefgh"));
    }

    [Fact]
    public void NewIds_AreTheirMarkerAnd24LowercaseHexDigits()
    {
        Assert.Matches("^key_[0-9a-f]{24}$", KeySecrets.NewKeyId());
        Assert.Matches("^team_[0-9a-f]{24}$", KeySecrets.NewTeamId());
        Assert.NotEqual(KeySecrets.NewKeyId(), KeySecrets.NewKeyId());
    }
}
