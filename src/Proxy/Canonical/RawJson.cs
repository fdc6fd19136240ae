using System.Text.Json;

namespace LlmProxy.Canonical;

/// <summary>
/// The JSON values of a client's request that the canonical model carries as text (tool parameters, schemas, tool
/// inputs). The request readers parsed and checked them, at most <see cref="MaxDepth"/> levels deep; reading or writing
/// them again must allow the same depth, since System.Text.Json's default (64) would throw on a schema the client was
/// entitled to send.
/// </summary>
internal static class RawJson
{
    /// <summary>How deep a client's request may nest (RFC 8259 leaves the limit to implementations).</summary>
    public const int MaxDepth = 256;

    public static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>Writes a value the request reader already checked, as it is.</summary>
    public static void Write(Utf8JsonWriter json, string value) => json.WriteRawValue(value, skipInputValidation: true);

    /// <summary>Parses a value the request reader already checked.</summary>
    public static JsonDocument Parse(string value) => JsonDocument.Parse(value, DocumentOptions);
}
