namespace LlmProxy.Config;

/// <summary>
/// The <c>accessLog</c> section (no section: no access log). <paramref name="Path"/>: the file the JSON lines go to,
/// absolute (a relative one in the file is relative to the config's folder), or null for standard output (<c>"-"</c>,
/// the default). <paramref name="MaxFileBytes"/>: a file is rotated before a line would take it past this size (the
/// current file is renamed <c>.1</c>, <c>.1</c> to <c>.2</c>, ...); <paramref name="MaxFiles"/>: rotated files kept.
/// </summary>
internal sealed record AccessLogOptions(string? Path, long MaxFileBytes, int MaxFiles)
{
    public const string StandardOutput = "-";
    public const long DefaultMaxFileBytes = 100L * 1024 * 1024;
    public const int DefaultMaxFiles = 5;
}
