using LlmProxy.Canonical;
using LlmProxy.Wire.Anthropic;

namespace LlmProxy.Tests.Canonical;

public sealed class IdentifierRuleTests
{
    private static readonly IdentifierRule Word64 = new(IdentifierRule.WordCharacters, 64);

    [Theory]
    [InlineData("toolu_01T1x1fJ34qAmk2tNTrN7Up6")]
    [InlineData("call_DdmO9pD3xa9XTPNJ32zg2hcA")]
    [InlineData("get-weather_2")]
    public void Conform_AcceptedIdentifier_IsReturnedUnchanged(string id) => Assert.Same(id, Word64.Conform(id));

    [Fact]
    public void Conform_OpenAICompatibleServerId_BecomesAnAnthropicIdTheSameEveryTime()
    {
        var conformed = AnthropicIdentifiers.ToolUseIds.Conform("functions.Bash:0");

        Assert.Matches("^functions_Bash_0_[0-9a-f]{8}$", conformed);
        Assert.Equal(conformed, AnthropicIdentifiers.ToolUseIds.Conform("functions.Bash:0"));
        Assert.True(AnthropicIdentifiers.ToolUseIds.Accepts(conformed), "the result must pass the rule it was made for");
    }

    [Fact]
    public void Conform_IdsThatSanitiseAlike_StayDistinct()
    {
        // Both would read functions_Bash_0 with the bad characters replaced: the hash keeps a call and a result paired.
        Assert.NotEqual(Word64.Conform("functions.Bash:0"), Word64.Conform("functions:Bash.0"));
    }

    [Fact]
    public void Conform_TooLong_IsCutToTheLimitWithItsHash()
    {
        var gemini = "call_1a2b3c4d_" + new string('Q', 300);

        var conformed = Word64.Conform(gemini);

        Assert.Equal(64, conformed.Length);
        Assert.True(Word64.Accepts(conformed));
        Assert.NotEqual(conformed, Word64.Conform(gemini + "R"));
    }

    [Theory]
    [InlineData("9lives", "_9lives_")]
    [InlineData("mcp.server:tool", "mcp.server:tool")]
    public void Conform_GeminiNames_StartWithALetterOrUnderscore(string name, string expectedStart)
    {
        var gemini = new IdentifierRule(System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-"), 64, startsWithLetterOrUnderscore: true);

        var conformed = gemini.Conform(name);

        Assert.StartsWith(expectedStart, conformed);
        Assert.True(gemini.Accepts(conformed));
    }
}
