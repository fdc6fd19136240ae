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
    /// <summary>
    /// Whether the provider serves OpenAI's Responses API (<c>/responses</c>), so Responses requests pass through to it
    /// instead of being translated; null for the type's default (true for OpenAI itself, false for compatible servers and Azure).
    /// </summary>
    public bool? ResponsesApi { get; init; }

    /// <summary>The config path of a field of this provider, for error messages.</summary>
    public string FieldPath(string field) => $"providers.{Name}.{field}";
}
