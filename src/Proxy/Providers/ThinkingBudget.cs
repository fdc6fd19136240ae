using LlmProxy.Canonical;

namespace LlmProxy.Providers;

/// <summary>Claude's extended thinking budget for a reasoning request (Anthropic API and Claude on Bedrock).</summary>
internal static class ThinkingBudget
{
    /// <summary>OpenAI's effort words as budgets; minimal means none. 1024 is the API's minimum budget.</summary>
    public static int? ForClaude(ReasoningRequest? reasoning) => reasoning switch
    {
        { BudgetTokens: { } budget } => Math.Max(1024, budget),
        { Effort: "low" } => 1024,
        { Effort: "medium" } => 4096,
        { Effort: "high" } => 16384,
        _ => null,
    };

    /// <summary>budget_tokens must be below max_tokens; the client's limit is for the answer, so thinking comes on top.</summary>
    public static int MaxTokensWith(int maxTokens, int budget) => maxTokens <= budget ? maxTokens + budget : maxTokens;
}
