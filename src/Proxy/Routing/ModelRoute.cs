using LlmProxy.Config;

namespace LlmProxy.Routing;

/// <summary>
/// A model alias, the deployments behind it in configured order, the order its strategy tries them in, and the routing
/// policy (retries' backoff, deadline) of the config it came from.
/// </summary>
internal sealed class ModelRoute
{
    /// <param name="pattern">For a route made for one model name a wildcard matched, the wildcard (<c>bedrock/*</c>).</param>
    public ModelRoute(ModelConfig config, IReadOnlyList<Deployment> deployments, RoutingDefaults policy, string? pattern = null)
    {
        Config = config;
        Pattern = pattern;
        Policy = policy;
        Deployments = deployments;
        Order = new DeploymentOrder(this);
    }

    public ModelConfig Config { get; }

    public IReadOnlyList<Deployment> Deployments { get; }

    public RoutingDefaults Policy { get; }

    public DeploymentOrder Order { get; }

    public string Alias => Config.Alias;

    /// <summary>The wildcard this route was made from for one requested name; null for a configured alias.</summary>
    public string? Pattern { get; }

    /// <summary>
    /// The alias as a metrics label: a configured alias, or the wildcard a name matched, since the names a wildcard
    /// matches are the clients' and unbounded.
    /// </summary>
    public string Label => Pattern ?? Alias;
}
