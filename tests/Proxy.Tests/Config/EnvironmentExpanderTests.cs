using LlmProxy.Config;

namespace LlmProxy.Tests.Config;

public sealed class EnvironmentExpanderTests
{
    private readonly EnvironmentExpander _expander = new(name => name switch { "A" => "alpha", "EMPTY" => "", _ => null });

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("${A}", "alpha")]
    [InlineData("x-${A}-${A}-y", "x-alpha-alpha-y")]
    [InlineData("${MISSING:-fallback}", "fallback")]
    [InlineData("${A:-fallback}", "alpha")]
    [InlineData("${EMPTY}", "")]
    [InlineData("$${A}", "${A}")]
    [InlineData("cost $5", "cost $5")]
    public void Expand_References_AreReplaced(string input, string expected) =>
        Assert.Equal(expected, _expander.Expand(input, "f"));

    [Theory]
    [InlineData("${MISSING}", "f: environment variable MISSING is not set")]
    [InlineData("${A", "f: '${' has no closing '}'")]
    [InlineData("${1BAD}", "f: '${1BAD}' is not a valid environment variable reference")]
    public void Expand_BadReference_NamesTheField(string input, string expected) =>
        Assert.Equal(expected, Assert.Throws<ConfigException>(() => _expander.Expand(input, "f")).Message);
}
