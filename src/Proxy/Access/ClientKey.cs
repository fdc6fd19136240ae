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
        Owner = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(config.Key)));
    }

    public KeyConfig Config { get; }

    public string Name => Config.Name;

    /// <summary>
    /// Who owns what this key stores (stored responses): SHA-256 of the key, hex. Names may repeat and unnamed keys are
    /// named by position, so a name would let a renamed or reordered key see another's data; the key itself cannot.
    /// </summary>
    public string Owner { get; }

    public bool AllowsEveryModel { get; }

    public bool MayUse(string alias) => AllowsEveryModel || _models.Contains(alias);
}
