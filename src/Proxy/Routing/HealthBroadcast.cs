namespace LlmProxy.Routing;

/// <summary>
/// Where a catalog's deployments tell other instances of breaker changes: <see cref="Send"/> takes a deployment's
/// <see cref="DeploymentHealth.Key"/> and the cooldown it opened in milliseconds, or 0 when a probe closed it. Unset (one
/// instance, or no Redis) nothing is sent; <see cref="SharedDeploymentHealth"/> sets it. Called under the deployment's
/// lock, so it must not wait.
/// </summary>
internal sealed class HealthBroadcast
{
    public Action<string, long>? Send { get; set; }
}
