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

    [Fact]
    public void Conform_GeminiNameStartingWithADigit_GetsALeadingUnderscore()
    {
        var conformed = LlmProxy.Providers.Gemini.GeminiRequestMapper.FunctionNames.Conform("9lives");

        Assert.Matches("^_9lives_[0-9a-f]{8}$", conformed);
        Assert.Same("mcp.server:tool", LlmProxy.Providers.Gemini.GeminiRequestMapper.FunctionNames.Conform("mcp.server:tool"));
    }

    [Fact]
    public void Conform_EmptyIdentifier_BecomesTheHashAlone()
    {
        var conformed = Word64.Conform("");

        Assert.Matches("^_[0-9a-f]{8}$", conformed);
        Assert.True(Word64.Accepts(conformed));
    }

    [Fact]
    public void Conform_ExactlyTheLongestAccepted_IsUnchangedAndOneMoreIsCut()
    {
        var longest = new string('a', 64);

        Assert.Same(longest, Word64.Conform(longest));
        Assert.Equal(64, Word64.Conform(longest + "a").Length);
    }

    [Fact]
    public void Conform_IdsDifferingOnlyInUnpairedSurrogates_StayDistinct() =>
        Assert.NotEqual(Word64.Conform("id\ud800"), Word64.Conform("id\udc00"));

    [Fact]
    public void Constructor_LimitTooShortForAHash_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new IdentifierRule(IdentifierRule.WordCharacters, 10));
}
