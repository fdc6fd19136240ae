namespace LlmProxy.Config;

/// <summary>A model alias clients ask for, and the deployments that can serve it.</summary>
internal sealed record ModelConfig(string Alias, string Strategy, IReadOnlyList<DeploymentConfig> Deployments, int? HedgeAfterMs)
{
    public static readonly string[] Strategies = ["ordered", "weighted", "least-busy", "latency"];

    /// <summary>The model a wildcard's deployments stand for until a request names one (<c>provider/*</c>).</summary>
    public const string AnyModel = "*";

    /// <summary>
    /// A wildcard route (<c>PREFIX/*</c>): any model name starting with <c>PREFIX/</c> is served by its deployments, the
    /// rest of the name being the provider's model.
    /// </summary>
    public bool Wildcard => Alias.EndsWith("/*", StringComparison.Ordinal);

    /// <summary>Whether a request for <paramref name="name"/> is served here: the alias itself, or a name under the wildcard.</summary>
    public bool Serves(string name) => name == Alias
        || (Wildcard && name.Length > Alias.Length - 1 && name.StartsWith(Alias.AsSpan(0, Alias.Length - 1), StringComparison.Ordinal));
}
