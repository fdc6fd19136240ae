using LlmProxy.Canonical;
using LlmProxy.Providers;

namespace LlmProxy.Inbound;

/// <summary>How piping a provider's answer back ended: the usage read on the side, and the error if it broke.</summary>
internal readonly record struct RelayResult(TokenUsage? Usage, ProviderError? Error);
