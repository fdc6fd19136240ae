using LlmProxy.Access;

namespace LlmProxy.Tests.Access;

public sealed class ModelAllowListTests
{
    [Theory]
    [InlineData("bedrock/anthropic.claude-x", true)]
    [InlineData("bedrock/*", true)]
    [InlineData("bedrock/", false)]
    [InlineData("bedrockx/y", false)]
    [InlineData("gpt-4o", true)]
    [InlineData("gpt-4o-mini", false)]
    public void Allows_WildcardAndAlias_NamesUnderThePrefixAndTheAliasOnly(string model, bool allowed)
    {
        var list = new ModelAllowList(["bedrock/*", "gpt-4o"]);

        Assert.Equal(allowed, list.Allows(model));
    }
}
