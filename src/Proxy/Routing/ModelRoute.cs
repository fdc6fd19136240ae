using LlmProxy.Config;

namespace LlmProxy.Routing;

/// <summary>
/// A model alias, the deployments behind it in configured order, the order its strategy tries them in, and the routing
/// policy (retries' backoff, deadline) of the config it came from.
/// </summary>
internal sealed class ModelRoute
{
    public ModelRoute(ModelConfig config, IReadOnlyList<Deployment> deployments, RoutingDefaults policy)
    {
        Config = config;
        Policy = policy;
        Deployments = deployments;
        Order = new DeploymentOrder(this);
    }

    public ModelConfig Config { get; }

    public IReadOnlyList<Deployment> Deployments { get; }

    public RoutingDefaults Policy { get; }

    public DeploymentOrder Order { get; }

    public string Alias => Config.Alias;
}
