using System.Text.Json;
using LlmProxy.Config;
using LlmProxy.Providers;

namespace LlmProxy.Routing;

/// <summary>A provider + provider model that can serve an alias, with everything the hot path needs precomputed.</summary>
internal sealed class Deployment
{
    public Deployment(DeploymentConfig config, IProviderAdapter provider, DeploymentHealth health)
    {
        Health = health;
        Config = config;
        Provider = provider;
        Name = HeaderSafe($"{config.Provider}/{config.Model}");
        Label = config.Model;
        ModelJson = JsonSerializer.SerializeToUtf8Bytes(config.Model, RoutingJsonContext.Default.String);
        Timeouts = new UpstreamTimeouts(config.ConnectTimeoutMs, config.FirstByteTimeoutMs, config.IdleTimeoutMs, config.TimeoutMs);
        Target = new ProviderTarget(config.Model, Timeouts, config.MaxTokensDefault, config.ReasoningModel, config.EmbeddingTaskType);
    }

    public DeploymentConfig Config { get; }

    public IProviderAdapter Provider { get; }

    /// <summary>
    /// <c>provider/model</c>, as shown in <c>x-llm-proxy-deployment</c> and <c>/health</c>: a model name with characters a
    /// header cannot carry (non-ASCII, controls; a wildcard's names are the clients') has them percent-encoded as UTF-8.
    /// </summary>
    public string Name { get; }

    public string ProviderModel => Config.Model;

    /// <summary>The provider model as a metrics label: <c>*</c> for a model a wildcard matched (the clients' names are unbounded).</summary>
    public string Label { get; init; } = null!;

    /// <summary>The provider model as a JSON string literal, quotes included, spliced into pass-through bodies.</summary>
    public byte[] ModelJson { get; }

    public UpstreamTimeouts Timeouts { get; }

    public DeploymentHealth Health { get; }

    private static string HeaderSafe(string name)
    {
        foreach (var c in name)
        {
            if (c is < ' ' or > '~')
            {
                var escaped = new System.Text.StringBuilder(name.Length + 16);
                foreach (var rune in name.EnumerateRunes())
                {
                    escaped.Append(rune.Value is >= ' ' and <= '~' ? rune.ToString() : Uri.EscapeDataString(rune.ToString()));
                }
                return escaped.ToString();
            }
        }
        return name;
    }

    /// <summary>What a translating provider is told about this deployment.</summary>
    public ProviderTarget Target { get; }
}
