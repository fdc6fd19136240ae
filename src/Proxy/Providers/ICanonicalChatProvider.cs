using LlmProxy.Canonical;

namespace LlmProxy.Providers;

/// <summary>A provider that answers canonical chat requests, pushing the answer into a sink as it arrives.</summary>
internal interface ICanonicalChatProvider : IProviderAdapter
{
    /// <summary>What this provider can carry and its identifier rules, applied to every request before <see cref="ChatAsync"/>.</summary>
    ProviderRules Rules { get; }

    /// <summary>Runs the request; returns null when the answer completed, else what went wrong.</summary>
    ValueTask<ProviderError?> ChatAsync(ChatRequest request, ProviderTarget target, IStreamEventSink sink, CancellationToken cancellationToken);
}
