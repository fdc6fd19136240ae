using Microsoft.Extensions.Logging.Abstractions;
using LlmProxy.Config;
using LlmProxy.Providers;
using LlmProxy.Providers.Bedrock;

namespace LlmProxy.Tests.Providers.Bedrock;

public sealed class BedrockAdapterTests
{
    private static readonly ProviderServices Services = new(new HttpMessageInvoker(new HttpClientHandler()), TimeProvider.System, NullLoggerFactory.Instance);

    private static ProviderConfig Config(string? region = null, string? key = null, string? secret = null, string? apiKey = null) =>
        new("br", "bedrock", null, apiKey, null, region, key, secret, null, 0, 0);

    [Fact]
    public void Create_NoRegionAnywhere_NamesTheField()
    {
        var error = Assert.Throws<ConfigException>(() => BedrockAdapter.Create(Config(key: "AK", secret: "S"), Services, _ => null));

        Assert.Contains("providers.br.region", error.Message);
    }

    [Fact]
    public void Create_NoKeysAnywhere_SaysWhereKeysCanComeFrom()
    {
        var error = Assert.Throws<ConfigException>(() => BedrockAdapter.Create(Config(region: "us-east-1"), Services, _ => null));

        Assert.Contains("AWS_ACCESS_KEY_ID", error.Message);
    }

    [Fact]
    public void Create_KeysAndRegionFromTheEnvironment_AreEnough()
    {
        var environment = new Dictionary<string, string> { ["AWS_REGION"] = "eu-west-1", ["AWS_ACCESS_KEY_ID"] = "AK", ["AWS_SECRET_ACCESS_KEY"] = "S", ["AWS_SESSION_TOKEN"] = "T" };

        Assert.IsType<BedrockAdapter>(BedrockAdapter.Create(Config(), Services, environment.GetValueOrDefault));
    }

    [Fact]
    public void Create_ApiKey_NeedsNoAccessKeys() =>
        Assert.IsType<BedrockAdapter>(BedrockAdapter.Create(Config(region: "us-east-1", apiKey: "bedrock-key"), Services, _ => null));
}
