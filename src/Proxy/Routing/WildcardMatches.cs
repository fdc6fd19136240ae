using System.Collections.Concurrent;
using LlmProxy.Config;

namespace LlmProxy.Routing;

/// <summary>
/// The routes of one config's wildcards (<c>PREFIX/*</c>): a requested name that no alias has and that starts with a
/// wildcard's prefix gets a route of that wildcard's deployments, each serving the rest of the name as its provider
/// model. The longest prefix wins. A name's route is kept (so its deployments keep their health: a cooldown holds from
/// one request to the next) once a request for it was admitted (<see cref="Keep"/>), up to <see cref="MaxKept"/>
/// names; a refused request keeps nothing, and names beyond that get a fresh route each time.
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
    private readonly HealthBroadcast _broadcast;
    private int _keptCount;

    public WildcardMatches(IEnumerable<ModelRoute> wildcards, RoutingDefaults policy, TimeProvider time, HealthBroadcast broadcast)
    {
        // Longest prefix first: "bedrock/anthropic/*" before "bedrock/*".
        _wildcards = [.. wildcards.OrderByDescending(route => route.Alias.Length)];
        _keptBySpan = _kept.GetAlternateLookup<ReadOnlySpan<char>>();
        _policy = policy;
        _time = time;
        _broadcast = broadcast;
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
        var wildcard = Match(name);
        return wildcard is null ? null : Make(wildcard, name.ToString(), name[(wildcard.Alias.Length - 1)..].ToString());
    }

    /// <summary>The wildcard <paramref name="name"/> falls under, without making a route (for a metrics label); null for none.</summary>
    public string? PatternOf(ReadOnlySpan<char> name) => _keptBySpan.TryGetValue(name, out var kept) ? kept.Pattern : Match(name)?.Alias;

    /// <summary>
    /// The route to serve an admitted request with: for a name a wildcard matched, the one kept for that name (kept now
    /// if there is room), so that its deployments' health carries over; any other route as it is.
    /// </summary>
    public ModelRoute Keep(ModelRoute route)
    {
        if (route.Pattern is null)
        {
            return route;
        }
        if (_kept.TryGetValue(route.Alias, out var kept))
        {
            return kept;
        }
        if (Interlocked.Increment(ref _keptCount) > MaxKept)
        {
            Interlocked.Decrement(ref _keptCount);
            return route;
        }
        kept = _kept.GetOrAdd(route.Alias, route);
        if (!ReferenceEquals(kept, route))
        {
            Interlocked.Decrement(ref _keptCount); // another request kept it first
        }
        return kept;
    }

    private ModelRoute? Match(ReadOnlySpan<char> name)
    {
        // A control character is in no provider's model id: such a name is no model (model_not_found), not a request to send.
        if (name.ContainsAnyInRange('\0', '\u001f') || name.Contains('\u007f'))
        {
            return null;
        }
        foreach (var wildcard in _wildcards)
        {
            var prefix = wildcard.Alias.AsSpan(0, wildcard.Alias.Length - 1); // "bedrock/"
            if (name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return wildcard;
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
            var config = template.Config with { Model = model };
            var health = new DeploymentHealth(_policy, _time) { Key = DeploymentHealth.KeyOf(name, config), Broadcast = _broadcast };
            deployments[i] = new Deployment(config, template.Provider, health)
            {
                Label = ModelConfig.AnyModel,
            };
        }
        return new ModelRoute(wildcard.Config with { Alias = name }, deployments, _policy, wildcard.Alias);
    }
}
