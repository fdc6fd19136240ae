namespace LlmProxy.Canonical;

/// <summary>
/// How hard the model should think: an effort word (OpenAI's <c>reasoning_effort</c>: minimal, low, medium, high)
/// or a token budget (Anthropic's <c>thinking.budget_tokens</c>). Each provider maps whichever it was given.
/// </summary>
internal sealed record ReasoningRequest(string? Effort, int? BudgetTokens);
