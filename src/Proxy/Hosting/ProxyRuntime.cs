using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Providers;
using LlmProxy.Routing;

namespace LlmProxy.Hosting;

/// <summary>
/// Everything built from a config: provider adapters, the model catalog, the key store. Building it is also the
/// second half of validation (provider-specific fields), so <c>--check-config</c> runs exactly this.
/// </summary>
internal sealed record ProxyRuntime(ProxyConfig Config, ModelCatalog Catalog, AccessDirectory Keys)
{
    public static ProxyRuntime Build(ProxyConfig config, ProviderServices services)
    {
        if (config.Storage.Type != StorageOptions.DefaultType)
        {
            throw new ConfigException("storage.type", $"'{config.Storage.Type}' is not supported yet (only 'sqlite' is)");
        }
        var providers = new Dictionary<string, IProviderAdapter>(StringComparer.Ordinal);
        foreach (var provider in config.Providers)
        {
            providers[provider.Name] = ProviderRegistry.Create(provider, services);
        }
        return new ProxyRuntime(config, new ModelCatalog(config.Models, providers, config.Routing, services.Time), new AccessDirectory(config.Keys));
    }
}
