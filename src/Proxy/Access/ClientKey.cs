using LlmProxy.Config;

namespace LlmProxy.Access;

/// <summary>An authenticated caller: its name (never the secret) and the aliases it may use.</summary>
internal sealed class ClientKey
{
    private readonly HashSet<string> _models;

    public ClientKey(KeyConfig config)
    {
        Config = config;
        AllowsEveryModel = config.Models.Contains("*");
        _models = new HashSet<string>(config.Models, StringComparer.Ordinal);
    }

    public KeyConfig Config { get; }

    public string Name => Config.Name;

    public bool AllowsEveryModel { get; }

    public bool MayUse(string alias) => AllowsEveryModel || _models.Contains(alias);
}
