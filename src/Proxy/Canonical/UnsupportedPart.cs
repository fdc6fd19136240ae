namespace LlmProxy.Canonical;

/// <summary>
/// Something in the client's request that only its own dialect's provider can take (an Anthropic server-tool block, a
/// file uploaded to OpenAI's file store, a hosted tool), kept by its <see cref="ContentPart.Path"/> and
/// <see cref="Type"/> so that a translating provider refuses the request by name instead of dropping it.
/// </summary>
internal sealed record UnsupportedPart(string Type) : ContentPart;
