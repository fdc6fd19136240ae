using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIEmbeddings;

/// <summary>
/// One validating pass over an embeddings body (https://platform.openai.com/docs/api-reference/embeddings/create):
/// <c>model</c> for the route, and the fields the proxy must understand to translate, checked here so that a bad one is
/// the client's 400 naming it whatever deployment serves: <c>input</c> (a non-empty string, or a non-empty array of
/// non-empty strings, of token ids, or of non-empty arrays of token ids), <c>encoding_format</c> (<c>float</c> or
/// <c>base64</c>), <c>dimensions</c> (a positive integer), <c>user</c> (a string). Embeddings never stream.
/// </summary>
internal static class OpenAIEmbeddingsEnvelopeReader
{
    /// <summary>The most inputs one request may hold: OpenAI's own limit, which also bounds what a translation makes of a body.</summary>
    public const int MaxInputs = 2_048;

    /// <summary>The most token ids one input may hold: beyond any embedding model's context (OpenAI's take 8,192).</summary>
    public const int MaxTokenIds = 32_768;

    public static bool TryRead(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error) =>
        EnvelopeFields.TryRead(body, TryReadCore, out envelope, out error);

    private static bool TryReadCore(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error)
    {
        envelope = default;
        var reader = new Utf8JsonReader(body.Span, EnvelopeFields.ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = EnvelopeFields.NotAnObject();
            return false;
        }
        var model = ModelToken.None;
        var members = new MemberNames(stackalloc byte[EnvelopeFields.NameBytes], stackalloc int[EnvelopeFields.Names]);
        var stream = false;
        var hasInput = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!members.TryNote(reader, null, out error) || !EnvelopeFields.TryReadShared(ref reader, body, ref model, ref stream, out var handled, out error))
            {
                return false;
            }
            if (handled)
            {
                if (stream)
                {
                    error = GatewayError.BadRequest("Embeddings cannot be streamed: leave 'stream' out.", "stream");
                    return false;
                }
                continue;
            }
            var ok = reader.ValueTextEquals("input"u8) ? hasInput = TryReadInput(ref reader, out error)
                : reader.ValueTextEquals("encoding_format"u8) ? TryReadEncodingFormat(ref reader, out error)
                : reader.ValueTextEquals("dimensions"u8) ? TryReadDimensions(ref reader, out error)
                : reader.ValueTextEquals("user"u8) ? TryReadUser(ref reader, out error)
                : Skip(ref reader, out error);
            if (!ok)
            {
                return false;
            }
        }
        if (model.Offset < 0)
        {
            error = EnvelopeFields.MissingModel();
            return false;
        }
        if (!hasInput)
        {
            error = GatewayError.BadRequest("You must provide an 'input': a string, or an array of strings or of token arrays.", "input");
            return false;
        }
        envelope = new RequestEnvelope(model.Value, model.Offset, model.Length, Stream: false, ClientWantsUsage: false, default);
        error = null;
        return true;
    }

    private static bool TryReadInput(ref Utf8JsonReader reader, out GatewayError? error)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return NonEmptyText(ref reader, -1, out error);
        }
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return Bad("'input' must be a string, or an array of strings or of token arrays.", out error);
        }
        // The first element decides the array's kind: texts, one input's token ids, or token arrays; all must be alike.
        var kind = JsonTokenType.None;
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (kind == JsonTokenType.None)
            {
                kind = reader.TokenType;
            }
            if (reader.TokenType != kind || kind is not (JsonTokenType.String or JsonTokenType.Number or JsonTokenType.StartArray))
            {
                return Bad($"'{Path(index)}' must be {(index == 0 ? "a string, a token id or an array of token ids" : "like 'input[0]'")}: an array of strings, of token ids or of token arrays.",
                    out error, Path(index));
            }
            var ok = kind switch
            {
                JsonTokenType.String => NonEmptyText(ref reader, index, out error),
                JsonTokenType.Number => TokenId(ref reader, index, -1, out error),
                _ => TokenArray(ref reader, index, out error),
            };
            if (!ok)
            {
                return false;
            }
            if (++index > (kind == JsonTokenType.Number ? MaxTokenIds : MaxInputs))
            {
                return Bad(kind == JsonTokenType.Number ? $"'input' may hold at most {MaxTokenIds} token ids." : $"'input' may hold at most {MaxInputs} inputs.", out error);
            }
        }
        return index > 0 ? Ok(out error) : Bad("'input' must not be an empty array.", out error);
    }

    private static bool TokenArray(ref Utf8JsonReader reader, int index, out GatewayError? error)
    {
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (!TokenId(ref reader, index, count, out error))
            {
                return false;
            }
            if (++count > MaxTokenIds)
            {
                return Bad($"'{Path(index)}' may hold at most {MaxTokenIds} token ids.", out error, Path(index));
            }
        }
        return count > 0 ? Ok(out error) : Bad($"'{Path(index)}' must not be an empty array.", out error, Path(index));
    }

    private static bool TokenId(ref Utf8JsonReader reader, int index, int inner, out GatewayError? error) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var id) && id >= 0
            ? Ok(out error)
            : Bad($"'{Path(index, inner)}' must be a token id: an integer from 0.", out error, Path(index, inner));

    private static bool NonEmptyText(ref Utf8JsonReader reader, int index, out GatewayError? error) =>
        reader.ValueSpan.Length == 0 ? Bad($"'{Path(index)}' must not be an empty string.", out error, Path(index))
        : !Unicode(ref reader) ? Bad(RequestJson.NotUnicodeText(Path(index)), out error, Path(index))
        : Ok(out error);

    // An escape can name half a surrogate pair, which no text holds: only escaped strings (rare) are decoded to find out.
    private static bool Unicode(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return true;
        }
        try
        {
            reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    // Only made for an error: a valid body's thousands of inputs allocate nothing.
    private static string Path(int index, int inner = -1) => index < 0 ? "input" : inner < 0 ? $"input[{index}]" : $"input[{index}][{inner}]";

    private static bool TryReadEncodingFormat(ref Utf8JsonReader reader, out GatewayError? error)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null
            || (reader.TokenType == JsonTokenType.String && (reader.ValueTextEquals("float"u8) || reader.ValueTextEquals("base64"u8)))
            ? Ok(out error)
            : Bad("'encoding_format' must be 'float' or 'base64'.", out error, "encoding_format");
    }

    private static bool TryReadDimensions(ref Utf8JsonReader reader, out GatewayError? error)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null || (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var dimensions) && dimensions > 0)
            ? Ok(out error)
            : Bad("'dimensions' must be a positive integer.", out error, "dimensions");
    }

    private static bool TryReadUser(ref Utf8JsonReader reader, out GatewayError? error)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null || (reader.TokenType == JsonTokenType.String && Unicode(ref reader))
            ? Ok(out error)
            : Bad("'user' must be a string of Unicode text.", out error, "user");
    }

    // Fields the proxy does not read pass through untouched; the provider judges them.
    private static bool Skip(ref Utf8JsonReader reader, out GatewayError? error)
    {
        reader.Read();
        reader.Skip();
        return Ok(out error);
    }

    private static bool Ok(out GatewayError? error)
    {
        error = null;
        return true;
    }

    private static bool Bad(string message, out GatewayError? error, string param = "input")
    {
        error = GatewayError.BadRequest(message, param);
        return false;
    }
}
