namespace LlmProxy.Canonical;

/// <summary>The opening of an answer: the provider's response id (or one the proxy minted) and the model that answers.</summary>
internal readonly record struct StreamStart(string Id, string Model, long CreatedUnixSeconds);
