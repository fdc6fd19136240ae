namespace LlmProxy.Config;

/// <summary>Where usage and virtual keys will be kept: <c>sqlite</c> (default), <c>postgres</c> or <c>redis</c>.</summary>
internal sealed record StorageOptions(string Type, string? Path, string? ConnectionString)
{
    public static readonly string[] Types = ["sqlite", "postgres", "redis"];
    public static StorageOptions Default { get; } = new("sqlite", "data/llm-proxy.db", null);
}
