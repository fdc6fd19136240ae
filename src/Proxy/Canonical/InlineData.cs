using System.Text;
using System.Text.Json;

namespace LlmProxy.Canonical;

/// <summary>
/// Base64 data (an image, a PDF, audio) as the UTF-8 text the client sent, carried into the provider's body without
/// being decoded or made a string: a 32 MiB image stays a slice of the request body until it is written out once.
/// </summary>
internal sealed class InlineData(ReadOnlyMemory<byte> utf8) : IEquatable<InlineData>
{
    /// <summary>The base64 text, UTF-8.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; } = utf8;

    public int Length => Utf8.Length;

    /// <summary>Data given as a string (tests, values the proxy builds).</summary>
    public static implicit operator InlineData(string base64) => new(Encoding.UTF8.GetBytes(base64));

    /// <summary>Writes the data as the string member <paramref name="name"/>.</summary>
    public void Write(Utf8JsonWriter json, ReadOnlySpan<byte> name) => json.WriteString(name, Utf8.Span);

    /// <summary>Writes the data as a <c>data:</c> URL member, in two segments: the data is not copied to be prefixed.</summary>
    public void WriteDataUrl(Utf8JsonWriter json, ReadOnlySpan<byte> name, string mediaType)
    {
        json.WritePropertyName(name);
        json.WriteStringValueSegment(Encoding.UTF8.GetBytes($"data:{mediaType};base64,"), isFinalSegment: false);
        json.WriteStringValueSegment(Utf8.Span, isFinalSegment: true);
    }

    public bool Equals(InlineData? other) => other is not null && Utf8.Span.SequenceEqual(other.Utf8.Span);

    public override bool Equals(object? obj) => Equals(obj as InlineData);

    public override int GetHashCode() => Length;

    public override string ToString() => Encoding.UTF8.GetString(Utf8.Span);
}
