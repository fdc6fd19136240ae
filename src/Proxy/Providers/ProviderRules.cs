using LlmProxy.Canonical;
using LlmProxy.Config;

namespace LlmProxy.Providers;

/// <summary>
/// What a translating provider accepts beyond its wire format: which parts it can carry (<see cref="WhyNot"/>, see
/// <see cref="ContentSupport"/>) and its rules for tool call ids and tool names (see <see cref="ToolIdentifiers"/>;
/// null where it has none).
/// </summary>
internal sealed record ProviderRules(Func<ContentPart, string?> WhyNot, IdentifierRule? ToolCallIds, IdentifierRule? ToolNames)
{
    /// <summary>A provider that takes anything (the built-in mock).</summary>
    public static readonly ProviderRules CarriesEverything = new(static _ => null, null, null);

    /// <summary>
    /// The request as this provider can take it, and the sink to answer into; or the error naming the first part it
    /// cannot carry, before anything is sent.
    /// </summary>
    public (ChatRequest Request, IStreamEventSink Sink, ProviderError? Refusal) Apply(ChatRequest request, IStreamEventSink sink, ProviderConfig provider)
    {
        if (ContentSupport.Check(request, provider, WhyNot) is { } refusal)
        {
            return (request, sink, refusal);
        }
        return (ToolIdentifiers.Conform(request, ToolCallIds, ToolNames, ref sink), sink, null);
    }
}
