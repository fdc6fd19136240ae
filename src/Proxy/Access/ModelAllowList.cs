namespace LlmProxy.Access;

/// <summary>
/// The models a key or team may use: aliases, <c>*</c> for every one, and wildcards (<c>bedrock/*</c>) for every name
/// under a prefix, as the model section's wildcards route them.
/// </summary>
internal sealed class ModelAllowList
{
    private readonly HashSet<string> _models;
    private readonly bool _everyModel;
    private readonly string[] _prefixes;

    public ModelAllowList(IReadOnlyList<string> models)
    {
        Models = models;
        _everyModel = models.Contains("*");
        _models = new HashSet<string>(models, StringComparer.Ordinal);
        _prefixes = [.. models.Where(model => model.Length > 2 && model.EndsWith("/*", StringComparison.Ordinal)).Select(model => model[..^1])];
    }

    /// <summary>The list as configured, in order.</summary>
    public IReadOnlyList<string> Models { get; }

    public bool Allows(string alias) => _everyModel || _models.Contains(alias) || UnderAPrefix(alias);

    private bool UnderAPrefix(string alias)
    {
        foreach (var prefix in _prefixes)
        {
            if (alias.Length > prefix.Length && alias.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
