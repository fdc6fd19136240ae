using System.Text.Json;
using System.Text.Unicode;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound;

/// <summary>
/// The envelope fields every dialect shares, read in the one validating pass over a client's body: the body must be
/// UTF-8 and a JSON object; <c>model</c> is a string, found once, whose token position is kept for the splice;
/// <c>stream</c> is a boolean.
/// </summary>
internal static class EnvelopeFields
{
    public static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = RawJson.MaxDepth };

    /// <summary>Room for the root member names checked for repeats on the stack: a few dozen names of API fields.</summary>
    public const int NameBytes = 1024, Names = 64;

    /// <summary>Checks what the JSON reader alone does not: the UTF-8 inside strings.</summary>
    public static bool TryOpen(ReadOnlyMemory<byte> body, out GatewayError? error)
    {
        // The reader checks JSON grammar but not the UTF-8 inside strings; the provider would reject it less clearly.
        if (!Utf8.IsValid(body.Span))
        {
            error = GatewayError.BadRequest("The request body is not valid UTF-8.");
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>One dialect's pass over a body that passed <see cref="TryOpen"/>; it may throw what <see cref="TryRead{T}"/> turns into a 400.</summary>
    public delegate bool Pass<T>(ReadOnlyMemory<byte> body, out T result, out GatewayError? error);

    /// <summary>
    /// Runs a dialect's envelope pass over <paramref name="body"/>: checks the UTF-8 first, and answers what the reader
    /// throws with the client's 400 (grammar errors; a field name escaping half a surrogate pair, met while matching names).
    /// </summary>
    public static bool TryRead<T>(ReadOnlyMemory<byte> body, Pass<T> pass, out T result, out GatewayError? error)
    {
        result = default!;
        if (!TryOpen(body, out error))
        {
            return false;
        }
        try
        {
            return pass(body, out result, out error);
        }
        catch (JsonException e)
        {
            error = InvalidJson(e);
            return false;
        }
        catch (InvalidOperationException)
        {
            error = RequestJson.NotUnicode;
            return false;
        }
    }

    public static GatewayError NotAnObject() => GatewayError.BadRequest("The request body must be a JSON object.");

    public static GatewayError InvalidJson(JsonException e) => GatewayError.BadRequest($"The request body is not valid JSON: {e.Message}");

    public static GatewayError MissingModel() => GatewayError.BadRequest("You must provide a model parameter.", "model");

    /// <summary>
    /// Reads the root member the reader is on when it is <c>model</c> or <c>stream</c> (<paramref name="handled"/>
    /// says whether it was); false with the error when its value is wrong.
    /// </summary>
    public static bool TryReadShared(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, ref ModelToken model, ref bool stream,
        out bool handled, out GatewayError? error)
    {
        error = null;
        handled = true;
        if (reader.ValueTextEquals("model"u8))
        {
            return TryReadModel(ref reader, body, ref model, out error);
        }
        if (reader.ValueTextEquals("stream"u8))
        {
            return TryReadStream(ref reader, out stream, out error);
        }
        handled = false;
        return true;
    }

    private static bool TryReadModel(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, ref ModelToken model, out GatewayError? error)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.String)
        {
            error = GatewayError.BadRequest("'model' must be a string.", "model");
            return false;
        }
        var offset = (int)reader.TokenStartIndex;
        ReadOnlyMemory<byte> name;
        try
        {
            name = reader.ValueIsEscaped ? Unescape(ref reader) : body.Slice(offset + 1, reader.ValueSpan.Length);
        }
        catch (InvalidOperationException)
        {
            error = GatewayError.BadRequest(RequestJson.NotUnicodeText("model"), "model");
            return false;
        }
        model = new ModelToken(name, offset, reader.ValueSpan.Length + 2);
        error = null;
        return true;
    }

    // A null stream counts as false, as the APIs read it.
    private static bool TryReadStream(ref Utf8JsonReader reader, out bool stream, out GatewayError? error)
    {
        reader.Read();
        stream = reader.TokenType == JsonTokenType.True;
        if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
        {
            error = GatewayError.BadRequest("'stream' must be a boolean.", "stream");
            return false;
        }
        error = null;
        return true;
    }

    private static ReadOnlyMemory<byte> Unescape(ref Utf8JsonReader reader)
    {
        var buffer = new byte[reader.ValueSpan.Length];
        var written = reader.CopyString(buffer);
        return buffer.AsMemory(0, written);
    }
}
