namespace LlmProxy.Canonical;

/// <summary>An image, either inline (<see cref="MediaType"/> + base64 <see cref="Data"/>) or by <see cref="Url"/>.</summary>
internal sealed record ImagePart(string? MediaType, InlineData? Data, string? Url) : ContentPart;
