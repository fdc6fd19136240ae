namespace LlmProxy.Config;

/// <summary>A configuration problem, reported as one line that names the field (e.g. <c>providers.oai.apiKey</c>).</summary>
internal sealed class ConfigException(string field, string problem) : Exception($"{field}: {problem}")
{
    public string Field { get; } = field;
}
