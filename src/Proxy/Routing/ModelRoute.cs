using LlmProxy.Config;

namespace LlmProxy.Routing;

/// <summary>A model alias, the deployments behind it in configured order, and the order its strategy tries them in.</summary>
internal sealed class ModelRoute
{
    public ModelRoute(ModelConfig config, IReadOnlyList<Deployment> deployments)
    {
        Config = config;
        Deployments = deployments;
        Order = new DeploymentOrder(this);
    }

    public ModelConfig Config { get; }

    public IReadOnlyList<Deployment> Deployments { get; }

    public DeploymentOrder Order { get; }

    public string Alias => Config.Alias;
}
