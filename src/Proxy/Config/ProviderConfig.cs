namespace LlmProxy.Config;

/// <summary>
/// One entry of <c>providers</c>. Fields that only some provider types use are optional here;
/// the provider's own factory says which it requires.
/// </summary>
internal sealed record ProviderConfig(
    string Name,
    string Type,
    Uri? BaseUrl,
    string? ApiKey,
    string? ApiVersion,
    string? Region,
    string? AccessKeyId,
    string? SecretAccessKey,
    string? SessionToken,
    int LatencyMs,
    double TokensPerSecond)
{
    /// <summary>The config path of a field of this provider, for error messages.</summary>
    public string FieldPath(string field) => $"providers.{Name}.{field}";
}
