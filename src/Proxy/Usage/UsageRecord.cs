using LlmProxy.Canonical;

namespace LlmProxy.Usage;

/// <summary>The accounting facts of one served request: who asked, what served it, and the tokens it used.</summary>
internal sealed record UsageRecord(string KeyName, string Model, string Deployment, TokenUsage Tokens, bool Stream);
