using System.Text;
using LlmProxy.Config;
using LlmProxy.Providers;

namespace LlmProxy.Routing;

/// <summary>The configured aliases, looked up straight from the UTF-8 model name of a request without allocating.</summary>
internal sealed class ModelCatalog
{
    private const int MaxModelNameChars = 256;
    private readonly Dictionary<string, ModelRoute> _byAlias;
    private readonly Dictionary<string, ModelRoute>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public ModelCatalog(IReadOnlyList<ModelConfig> models, IReadOnlyDictionary<string, IProviderAdapter> providers, RoutingDefaults policy, TimeProvider time)
    {
        var routes = new List<ModelRoute>(models.Count);
        foreach (var model in models)
        {
            var deployments = model.Deployments.Select(d => new Deployment(d, providers[d.Provider], new DeploymentHealth(policy, time))).ToArray();
            routes.Add(new ModelRoute(model, deployments));
        }
        Routes = routes;
        _byAlias = routes.ToDictionary(route => route.Alias, StringComparer.Ordinal);
        _bySpan = _byAlias.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Every alias in config order, for <c>/v1/models</c> and <c>/health</c>.</summary>
    public IReadOnlyList<ModelRoute> Routes { get; }

    public ModelRoute? Find(string alias) => _byAlias.GetValueOrDefault(alias);

    public ModelRoute? Find(ReadOnlySpan<byte> utf8Alias)
    {
        if (utf8Alias.Length > MaxModelNameChars * 3)
        {
            return null;
        }
        Span<char> chars = stackalloc char[utf8Alias.Length];
        var count = Encoding.UTF8.GetChars(utf8Alias, chars);
        return _bySpan.TryGetValue(chars[..count], out var route) ? route : null;
    }
}
