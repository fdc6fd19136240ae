using System.Text;
using LlmProxy.Config;
using LlmProxy.Providers;

namespace LlmProxy.Routing;

/// <summary>
/// The configured aliases, looked up straight from the UTF-8 model name of a request without allocating. A config
/// reload swaps in a whole new table (<see cref="Prepare"/>, then <see cref="Swap"/>); a request keeps the
/// <see cref="ModelRoute"/> it found, so it finishes on the deployments and routing policy it started with.
/// </summary>
internal sealed class ModelCatalog
{
    private const int MaxModelNameChars = 256;
    private readonly TimeProvider _time;
    private volatile RouteTable _table;

    public ModelCatalog(IReadOnlyList<ModelConfig> models, IReadOnlyDictionary<string, IProviderAdapter> providers, RoutingDefaults policy, TimeProvider time)
    {
        _time = time;
        _table = new RouteTable(models, providers, policy, time, Broadcast, null, static _ => false);
    }

    /// <summary>Where every deployment's health, in this table and the ones reloads make, tells other instances of its changes.</summary>
    public HealthBroadcast Broadcast { get; } = new();

    /// <summary>Every alias in config order, for <c>/v1/models</c> and <c>/health</c>.</summary>
    public IReadOnlyList<ModelRoute> Routes => _table.Routes;

    /// <summary>The route for a model name: its alias, else the wildcard it matches (see <see cref="WildcardMatches"/>); null for neither.</summary>
    public ModelRoute? Find(string alias)
    {
        var table = _table;
        return table.ByAlias.GetValueOrDefault(alias) ?? (alias.Length <= MaxModelNameChars ? table.Wildcards.Find(alias) : null);
    }

    public ModelRoute? Find(ReadOnlySpan<byte> utf8Alias)
    {
        if (utf8Alias.Length > MaxModelNameChars * 3)
        {
            return null;
        }
        Span<char> chars = stackalloc char[utf8Alias.Length];
        var count = Encoding.UTF8.GetChars(utf8Alias, chars);
        var table = _table;
        return table.BySpan.TryGetValue(chars[..count], out var route) ? route : count <= MaxModelNameChars ? table.Wildcards.Find(chars[..count]) : null;
    }

    /// <summary>
    /// Builds the table of a reloaded config without serving it yet. A deployment whose config, provider
    /// (<paramref name="providerUnchanged"/>, by provider name) and cooldown policy are all unchanged keeps its health:
    /// a deployment cooling down stays cooling down, its latency average and in-flight count carry on.
    /// </summary>
    public RouteTable Prepare(IReadOnlyList<ModelConfig> models, IReadOnlyDictionary<string, IProviderAdapter> providers, RoutingDefaults policy,
        Func<string, bool> providerUnchanged) => new(models, providers, policy, _time, Broadcast, _table, providerUnchanged);

    /// <summary>The route an admitted request is served with: see <see cref="WildcardMatches.Keep"/>.</summary>
    public ModelRoute Keep(ModelRoute route) => _table.Wildcards.Keep(route);

    /// <summary>
    /// A model name as a metrics label, without making a route: the alias, or the wildcard it falls under
    /// (<paramref name="wildcard"/> true); null when it is neither.
    /// </summary>
    public string? LabelOf(string name, out bool wildcard)
    {
        var table = _table;
        if (table.ByAlias.TryGetValue(name, out var route))
        {
            wildcard = false;
            return route.Alias;
        }
        var pattern = table.Wildcards.PatternOf(name);
        wildcard = pattern is not null;
        return pattern;
    }

    /// <summary>Serves <paramref name="table"/> from the next lookup on.</summary>
    public void Swap(RouteTable table) => _table = table;

    /// <summary>One config's routes, by alias.</summary>
    internal sealed class RouteTable
    {
        public RouteTable(IReadOnlyList<ModelConfig> models, IReadOnlyDictionary<string, IProviderAdapter> providers, RoutingDefaults policy,
            TimeProvider time, HealthBroadcast broadcast, RouteTable? previous, Func<string, bool> providerUnchanged)
        {
            var kept = previous is null ? null : KeptHealth(previous, policy, providerUnchanged);
            var routes = new List<ModelRoute>(models.Count);
            foreach (var model in models)
            {
                var deployments = new Deployment[model.Deployments.Count];
                for (var i = 0; i < deployments.Length; i++)
                {
                    var config = model.Deployments[i];
                    var health = kept is not null && kept.Remove((model.Alias, config), out var old) ? old
                        : new DeploymentHealth(policy, time) { Key = DeploymentHealth.KeyOf(model.Alias, config), Broadcast = broadcast };
                    deployments[i] = new Deployment(config, providers[config.Provider], health);
                }
                routes.Add(new ModelRoute(model, deployments, policy));
            }
            Routes = routes;
            ByAlias = new Dictionary<string, ModelRoute>(routes.Count, StringComparer.Ordinal);
            foreach (var route in routes)
            {
                ByAlias[route.Alias] = route;
            }
            BySpan = ByAlias.GetAlternateLookup<ReadOnlySpan<char>>();
            Wildcards = new WildcardMatches(routes.Where(route => route.Config.Wildcard), policy, time, broadcast);
        }

        /// <summary>Routes made for the names this config's wildcards match.</summary>
        public WildcardMatches Wildcards { get; }

        public IReadOnlyList<ModelRoute> Routes { get; }

        public Dictionary<string, ModelRoute> ByAlias { get; }

        public Dictionary<string, ModelRoute>.AlternateLookup<ReadOnlySpan<char>> BySpan { get; }

        // The health of each deployment that may carry on: same alias, same deployment fields, same provider, same cooldowns.
        private static Dictionary<(string, DeploymentConfig), DeploymentHealth>? KeptHealth(RouteTable previous, RoutingDefaults policy,
            Func<string, bool> providerUnchanged)
        {
            var kept = new Dictionary<(string, DeploymentConfig), DeploymentHealth>();
            foreach (var route in previous.Routes)
            {
                // Health reads only the cooldown fields; another change to routing (a deadline, retries) keeps it.
                if (route.Policy.CooldownFailures != policy.CooldownFailures || route.Policy.CooldownWindowMs != policy.CooldownWindowMs
                    || route.Policy.CooldownMs != policy.CooldownMs)
                {
                    continue;
                }
                foreach (var deployment in route.Deployments)
                {
                    if (providerUnchanged(deployment.Config.Provider))
                    {
                        kept.TryAdd((route.Alias, deployment.Config), deployment.Health);
                    }
                }
            }
            return kept;
        }
    }
}
