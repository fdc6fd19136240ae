using LlmProxy.Hosting;

namespace LlmProxy.Tests.Hosting;

public sealed class CommandLineTests
{
    [Fact]
    public void Parse_NoArguments_UsesDefaultConfig() =>
        Assert.Equal(new CommandLine("config/proxy.json", null, false, false, false), CommandLine.Parse([]));

    [Fact]
    public void Parse_ConfigAndUrls_AreRead() =>
        Assert.Equal(new CommandLine("/etc/llm-proxy/proxy.json", "http://0.0.0.0:9000", false, false, false),
            CommandLine.Parse(["--config", "/etc/llm-proxy/proxy.json", "--urls=http://0.0.0.0:9000"]));

    [Fact]
    public void Parse_CheckConfig_TakesThePath() =>
        Assert.Equal(new CommandLine("x.json", null, true, false, false), CommandLine.Parse(["--check-config", "x.json"]));

    [Theory]
    [InlineData("--verbose")]
    [InlineData("--config")]
    public void Parse_BadArguments_Throw(string arg) => Assert.Throws<ArgumentException>(() => CommandLine.Parse([arg]));
}
