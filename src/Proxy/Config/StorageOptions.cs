namespace LlmProxy.Config;

/// <summary>
/// Where state is kept: <c>sqlite</c> (default; the only type implemented so far) at <paramref name="Path"/>, or
/// <c>postgres</c> / <c>redis</c> at <paramref name="ConnectionString"/>. <paramref name="Path"/> is always a full
/// path: a relative one in the file is resolved against the config file's folder. Responses of the Responses API
/// are kept <paramref name="ResponsesTtlDays"/> days.
/// </summary>
internal sealed record StorageOptions(string Type, string Path, string? ConnectionString, int ResponsesTtlDays)
{
    public static readonly string[] Types = ["sqlite", "postgres", "redis"];
    public const string DefaultType = "sqlite";
    public const string DefaultPath = "data/llm-proxy.db";
    public const int DefaultResponsesTtlDays = 30;
}
