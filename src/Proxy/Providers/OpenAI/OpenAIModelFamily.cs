namespace LlmProxy.Providers.OpenAI;

/// <summary>
/// OpenAI's reasoning models (o1, o3, o4-mini, the gpt-5 family, codex-mini), told by name, optionally behind a
/// relay's <c>openai/</c> prefix. They take <c>max_completion_tokens</c> only ("max_tokens ... is not compatible with
/// o-series models", API reference), reject sampling parameters other than their defaults and stop sequences ("Not
/// supported with latest reasoning models o3 and o4-mini"; gpt-5 answers "Unsupported parameter: 'stop'"), and read
/// <c>developer</c> messages in place of <c>system</c>. A deployment's <c>reasoningModel</c> says it outright where the
/// name cannot (an Azure deployment name, a fine-tune).
/// </summary>
internal static class OpenAIModelFamily
{
    public static bool IsReasoning(string model)
    {
        var name = model.StartsWith("openai/", StringComparison.OrdinalIgnoreCase) ? model.AsSpan(7) : model.AsSpan();
        return Family(name, "o1") || Family(name, "o3") || Family(name, "o4") || Family(name, "codex-mini")
            || name.StartsWith("gpt-5", StringComparison.OrdinalIgnoreCase);
    }

    // "o1", "o1-mini", "o1-2024-12-17", but not "o10x" or a model that merely starts with the letter.
    private static bool Family(ReadOnlySpan<char> name, string family) =>
        name.StartsWith(family, StringComparison.OrdinalIgnoreCase) && (name.Length == family.Length || name[family.Length] == '-');
}
