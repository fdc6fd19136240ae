using LlmProxy.Config;

namespace LlmProxy.Routing;

/// <summary>A model alias and the deployments behind it, in configured order.</summary>
internal sealed record ModelRoute(ModelConfig Config, IReadOnlyList<Deployment> Deployments)
{
    public string Alias => Config.Alias;
}
