namespace LlmProxy.Access;

/// <summary>The aliases a key or team may use: <c>*</c> for every one.</summary>
internal sealed class ModelAllowList
{
    private readonly HashSet<string> _models;
    private readonly bool _everyModel;

    public ModelAllowList(IReadOnlyList<string> models)
    {
        Models = models;
        _everyModel = models.Contains("*");
        _models = new HashSet<string>(models, StringComparer.Ordinal);
    }

    /// <summary>The list as configured, in order.</summary>
    public IReadOnlyList<string> Models { get; }

    public bool Allows(string alias) => _everyModel || _models.Contains(alias);
}
