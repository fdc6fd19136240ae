namespace LlmProxy.Observability;

/// <summary>
/// The OpenTelemetry GenAI semantic-convention attributes the proxy's spans carry (semconv 1.37,
/// https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/), and the provider names the convention knows.
/// The opt-in content attributes (<c>gen_ai.input.messages</c>, <c>gen_ai.output.messages</c>,
/// <c>gen_ai.system_instructions</c>) are deliberately absent: the proxy never records content.
/// </summary>
internal static class GenAIAttributes
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string UsageInputTokens = "gen_ai.usage.input_tokens";
    public const string UsageOutputTokens = "gen_ai.usage.output_tokens";

    /// <summary>
    /// <c>gen_ai.provider.name</c> for a provider <c>type</c> of the config: the convention's well-known value where there is
    /// one (an OpenAI-compatible server configured as <c>openai</c> is reported as <c>openai</c>, the flavour it speaks),
    /// else <c>llm_proxy.{type}</c>.
    /// </summary>
    public static string ProviderNameOf(string type) => type switch
    {
        "openai" => "openai",
        "azure" => "azure.ai.openai",
        "anthropic" => "anthropic",
        "gemini" => "gcp.gemini",
        "bedrock" => "aws.bedrock",
        "mock" => "llm_proxy.mock",
        _ => "llm_proxy." + type,
    };
}
