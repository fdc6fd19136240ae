namespace LlmProxy.Config;

/// <summary>A model alias clients ask for, and the deployments that can serve it.</summary>
internal sealed record ModelConfig(string Alias, string Strategy, IReadOnlyList<DeploymentConfig> Deployments, int? HedgeAfterMs)
{
    public static readonly string[] Strategies = ["ordered", "weighted", "least-busy", "latency"];
}
