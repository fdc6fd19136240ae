using LlmProxy.Canonical;
using LlmProxy.Providers;

namespace LlmProxy.Inbound;

/// <summary>
/// How piping a provider's answer back ended: the usage read on the side, the error if it broke, and for a stream the
/// output it relayed in estimated tokens (<see cref="SseRelayFilter.ContentEvents"/>), billed when no usage came.
/// </summary>
internal readonly record struct RelayResult(TokenUsage? Usage, ProviderError? Error, long EstimatedOutputTokens = 0);
