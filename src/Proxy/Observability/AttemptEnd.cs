using LlmProxy.Routing;

namespace LlmProxy.Observability;

/// <summary>
/// One upstream attempt's end as the metrics count it (<c>llm_proxy_upstream_attempts_total</c>): the alias the request
/// asked for, the deployment tried, and the outcome, <c>ok</c> or the failure's class.
/// </summary>
internal readonly record struct AttemptEnd(string Alias, Deployment Deployment, string Outcome)
{
    /// <summary>The outcome of an attempt that served the answer.</summary>
    public const string Ok = "ok";
}
