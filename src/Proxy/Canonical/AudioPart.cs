namespace LlmProxy.Canonical;

/// <summary>Audio input, base64 <see cref="Data"/> in <see cref="Format"/> (<c>wav</c>, <c>mp3</c>): OpenAI's <c>input_audio</c> part.</summary>
internal sealed record AudioPart(string Format, InlineData Data) : ContentPart;
