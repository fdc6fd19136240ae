namespace LlmProxy.Routing;

internal enum HealthState
{
    Healthy,
    CoolingDown,
    /// <summary>The cooldown is over; one probe request decides whether the deployment is back.</summary>
    HalfOpen,
}
