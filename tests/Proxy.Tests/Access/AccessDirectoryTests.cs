using LlmProxy.Access;
using LlmProxy.Config;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Tests.Access;

public sealed class AccessDirectoryTests
{
    private readonly AccessDirectory _store = new([
        new KeyConfig("sk-alpha", "alpha", ["*"], null, null, null, null),
        new KeyConfig("sk-beta", "beta", ["echo"], null, null, null, null),
    ]);

    [Theory]
    [InlineData("sk-alpha", "alpha")]
    [InlineData("sk-beta", "beta")]
    public void Find_ConfiguredKey_ReturnsIt(string presented, string name) =>
        Assert.Equal(name, _store.Find(presented, 0)?.Name);

    [Theory]
    [InlineData("")]
    [InlineData("sk-alph")]
    [InlineData("sk-alphaa")]
    [InlineData("SK-ALPHA")]
    public void Find_AnyOtherKey_ReturnsNull(string presented) => Assert.Null(_store.Find(presented, 0));

    [Fact]
    public void Find_OversizedKey_ReturnsNullWithoutThrowing() => Assert.Null(_store.Find(new string('k', 100_000), 0));

    [Fact]
    public void MayUse_KeyWithModelList_AllowsOnlyThose()
    {
        var beta = _store.Find("sk-beta", 0)!;
        Assert.True(beta.MayUse("echo"));
        Assert.False(beta.MayUse("gpt-4o"));
        Assert.True(_store.Find("sk-alpha", 0)!.MayUse("anything"));
    }

    [Theory]
    [InlineData("Authorization", "Bearer sk-alpha", "sk-alpha")]
    [InlineData("Authorization", "BEARER   sk-alpha  ", "sk-alpha")]
    [InlineData("Authorization", "Basic c2stYWxwaGE=", "")]
    [InlineData("x-api-key", "sk-alpha", "sk-alpha")]
    [InlineData("x-other", "sk-alpha", "")]
    public void Read_CredentialHeaders_TakesBearerOrXApiKey(string header, string value, string expected)
    {
        var headers = new HeaderDictionary { [header] = value };

        Assert.Equal(expected, ClientCredentials.Read(headers).ToString());
    }
}
