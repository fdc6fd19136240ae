using LlmProxy.Testing;

using System.Text.RegularExpressions;

namespace LlmProxy.Tests;

/// <summary>
/// The dependency rules of DESIGN.md section 3, checked on the source: Canonical, Streaming and Config use nothing
/// of ours; a provider uses Canonical, Wire, Streaming, Config and the Providers contracts (and Providers/OpenAI),
/// never Inbound, Routing or another provider; an inbound folder never names a concrete provider.
/// </summary>
public sealed partial class ArchitectureTests
{
    private static readonly string Source = Path.Combine(RepositoryRoot.Path, "src", "Proxy");

    [Theory]
    [InlineData("Canonical")]
    [InlineData("Streaming")]
    [InlineData("Config")]
    public void Foundations_UseNothingOfOurs(string folder)
    {
        foreach (var (file, used) in Uses(folder))
        {
            Assert.True(used == "LlmProxy." + folder, $"{file} uses {used}: {folder} must not depend on the rest of the proxy");
        }
    }

    [Fact]
    public void Providers_NeverUseInboundRoutingOrAnotherProvider()
    {
        foreach (var (file, used) in Uses("Providers"))
        {
            var own = OwnProvider(file);
            Assert.False(used.StartsWith("LlmProxy.Inbound", StringComparison.Ordinal) || used.StartsWith("LlmProxy.Routing", StringComparison.Ordinal),
                $"{file} uses {used}: providers must not know the client's dialect or the router");
            if (own is not null && used.StartsWith("LlmProxy.Providers.", StringComparison.Ordinal))
            {
                var other = used["LlmProxy.Providers.".Length..].Split('.')[0];
                Assert.True(other == own || other == "OpenAI", $"{file} uses provider {other}: providers share only the contracts and Providers/OpenAI");
            }
        }
    }

    [Fact]
    public void Inbound_NeverNamesAConcreteProvider()
    {
        foreach (var (file, used) in Uses("Inbound"))
        {
            Assert.False(used.StartsWith("LlmProxy.Providers.", StringComparison.Ordinal), $"{file} uses {used}: a dialect must not know which provider answers");
        }
    }

    // A named OpenAI-compatible service is a descriptor over Providers/OpenAI and nothing else: adding one touches no other file but the registry's line.
    [Fact]
    public void CompatibleProviders_AreSmallDescriptorsOverProvidersOpenAI()
    {
        foreach (var (file, used) in Uses(Path.Combine("Providers", "Compatible")))
        {
            Assert.True(used is "LlmProxy.Providers.OpenAI" or "LlmProxy.Providers.Compatible", $"{file} uses {used}: a named service depends only on Providers/OpenAI");
        }
        foreach (var file in Directory.GetFiles(Path.Combine(Source, "Providers", "Compatible"), "*.cs"))
        {
            Assert.True(File.ReadAllLines(file).Length <= 40, $"{file} is over 40 lines: a named service is a descriptor, not an adapter");
        }
    }

    private static string? OwnProvider(string file)
    {
        var relative = Path.GetRelativePath(Path.Combine(Source, "Providers"), file).Split(Path.DirectorySeparatorChar);
        return relative.Length > 1 ? relative[0] : null;
    }

    private static IEnumerable<(string File, string Namespace)> Uses(string folder)
    {
        var files = Directory.GetFiles(Path.Combine(Source, folder), "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            foreach (Match match in OurNamespace().Matches(File.ReadAllText(file)))
            {
                yield return (file, match.Groups[1].Value);
            }
        }
    }

    [GeneratedRegex(@"\b(LlmProxy(?:\.\w+)+)", RegexOptions.Multiline)]
    private static partial Regex OurNamespace();
}
