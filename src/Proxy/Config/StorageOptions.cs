namespace LlmProxy.Config;

/// <summary>
/// Where state is kept: <c>sqlite</c> (default) in the file at <paramref name="Path"/>, or <c>postgres</c> in the
/// database <paramref name="ConnectionString"/> (Npgsql's keywords) names, which instances of a scaled-out proxy share. <paramref name="Path"/> is always a full
/// path: a relative one in the file is resolved against the config file's folder. Responses of the Responses API
/// are kept <paramref name="ResponsesTtlDays"/> days.
/// </summary>
internal sealed record StorageOptions(string Type, string Path, string? ConnectionString, int ResponsesTtlDays)
{
    /// <summary>
    /// The 32-byte AES-256 key that seals what stateless Responses clients carry between turns (<c>encrypted_content</c>
    /// of reasoning and compaction items), from <c>storage.encryptionKey</c> (base64); null to generate one once and keep
    /// it in the store, which every instance on the same store then shares.
    /// </summary>
    public byte[]? EncryptionKey { get; init; }

    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
    public static readonly string[] Types = [Sqlite, Postgres];
    public const string DefaultType = Sqlite;
    /// <summary>
    /// Under systemd with <c>StateDirectory=</c> (the shipped unit: <c>/var/lib/llm-proxy</c>, where the config's
    /// folder is read-only), the state directory; elsewhere <c>data/</c> beside the config file.
    /// </summary>
    public const string DefaultPath = "${STATE_DIRECTORY:-data}/llm-proxy.db";
    public const int DefaultResponsesTtlDays = 30;
}
