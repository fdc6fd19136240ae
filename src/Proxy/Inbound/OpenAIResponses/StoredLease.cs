using LlmProxy.Canonical;
using LlmProxy.Storage;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// A stored response read to answer a route, holding its bytes against the body budget until disposed: null when it is
/// not there; <see cref="Busy"/> the 503 when the budget had no room for it.
/// </summary>
internal readonly record struct StoredLease(BodyBudget? Budget, StoredResponse? Response, long Bytes, GatewayError? Busy) : IDisposable
{
    /// <summary>The events of a background response, when they were asked for and it has some.</summary>
    public byte[]? Events { get; init; }

    public void Dispose() => Budget?.Give(Bytes);
}
