namespace LlmProxy.Canonical;

/// <summary>
/// A document the user attached: base64 bytes (<see cref="Data"/>, e.g. a PDF, with its <see cref="MediaType"/>), plain
/// <see cref="Text"/>, or a <see cref="Url"/>; exactly one is set. <see cref="Title"/> is its name when the client gave one.
/// From Anthropic <c>document</c> blocks and OpenAI <c>file</c> parts.
/// </summary>
internal sealed record DocumentPart(string MediaType, InlineData? Data, string? Text, string? Url, string? Title) : ContentPart
{
    /// <summary>A text document as the model reads it where a provider has no document type: its title, then its text.</summary>
    public string TitledText => Title is { Length: > 0 } title ? $"{title}\n\n{Text}" : Text ?? "";
}
