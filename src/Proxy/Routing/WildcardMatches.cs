using System.Collections.Concurrent;
using LlmProxy.Config;

namespace LlmProxy.Routing;

/// <summary>
/// The routes of one config's wildcards (<c>PREFIX/*</c>): a requested name that no alias has and that starts with a
/// wildcard's prefix gets a route of that wildcard's deployments, each serving the rest of the name as its provider
/// model. The longest prefix wins. A name's route is kept (so its deployments keep their health: a cooldown holds from
/// one request to the next) up to <see cref="MaxKept"/> names; names beyond that, which only a client making names up
/// reaches, get a fresh route each time.
/// </summary>
internal sealed class WildcardMatches
{
    /// <summary>Names whose routes are kept per config.</summary>
    public const int MaxKept = 4_096;

    private readonly ModelRoute[] _wildcards;
    private readonly ConcurrentDictionary<string, ModelRoute> _kept = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ModelRoute>.AlternateLookup<ReadOnlySpan<char>> _keptBySpan;
    private readonly RoutingDefaults _policy;
    private readonly TimeProvider _time;

    public WildcardMatches(IEnumerable<ModelRoute> wildcards, RoutingDefaults policy, TimeProvider time)
    {
        // Longest prefix first: "bedrock/anthropic/*" before "bedrock/*".
        _wildcards = [.. wildcards.OrderByDescending(route => route.Alias.Length)];
        _keptBySpan = _kept.GetAlternateLookup<ReadOnlySpan<char>>();
        _policy = policy;
        _time = time;
    }

    public bool Any => _wildcards.Length > 0;

    /// <summary>The route for <paramref name="name"/>, or null when no wildcard matches it (or the rest of the name is empty).</summary>
    public ModelRoute? Find(ReadOnlySpan<char> name)
    {
        if (_wildcards.Length == 0)
        {
            return null;
        }
        if (_keptBySpan.TryGetValue(name, out var kept))
        {
            return kept;
        }
        foreach (var wildcard in _wildcards)
        {
            var prefix = wildcard.Alias.AsSpan(0, wildcard.Alias.Length - 1); // "bedrock/"
            if (name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal))
            {
                var route = Make(wildcard, name.ToString(), name[prefix.Length..].ToString());
                return _kept.Count < MaxKept ? _kept.GetOrAdd(route.Alias, route) : route;
            }
        }
        return null;
    }

    private ModelRoute Make(ModelRoute wildcard, string name, string model)
    {
        var deployments = new Deployment[wildcard.Deployments.Count];
        for (var i = 0; i < deployments.Length; i++)
        {
            var template = wildcard.Deployments[i];
            deployments[i] = new Deployment(template.Config with { Model = model }, template.Provider, new DeploymentHealth(_policy, _time))
            {
                Label = ModelConfig.AnyModel,
            };
        }
        return new ModelRoute(wildcard.Config with { Alias = name }, deployments, _policy, wildcard.Alias);
    }
}
