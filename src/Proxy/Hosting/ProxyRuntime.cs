using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Providers;
using LlmProxy.Routing;

namespace LlmProxy.Hosting;

/// <summary>
/// Everything built from a config: provider adapters, the model catalog, the key store. Building it is also the
/// second half of validation (provider-specific fields), so <c>--check-config</c> runs exactly this. A reload
/// (<see cref="ConfigReload"/>) swaps new routes and config keys into the same catalog and directory; <see cref="Config"/>
/// stays the one the proxy started with, whose restart-only sections (server, storage...) are the ones in force.
/// </summary>
internal sealed record ProxyRuntime(ProxyConfig Config, ModelCatalog Catalog, AccessDirectory Keys)
{
    public static ProxyRuntime Build(ProxyConfig config, ProviderServices services) =>
        new(config, new ModelCatalog(config.Models, BuildProviders(config, services), config.Routing, services.Time), new AccessDirectory(config.Keys));

    /// <summary>An adapter per configured provider, by name; throws <see cref="ConfigException"/> for a provider-specific field.</summary>
    public static Dictionary<string, IProviderAdapter> BuildProviders(ProxyConfig config, ProviderServices services)
    {
        var providers = new Dictionary<string, IProviderAdapter>(StringComparer.Ordinal);
        foreach (var provider in config.Providers)
        {
            providers[provider.Name] = ProviderRegistry.Create(provider, services);
        }
        return providers;
    }
}
