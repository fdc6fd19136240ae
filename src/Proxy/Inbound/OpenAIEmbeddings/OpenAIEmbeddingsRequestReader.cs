using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIEmbeddings;

/// <summary>
/// The canonical <see cref="EmbeddingsRequest"/> of a body that <see cref="OpenAIEmbeddingsEnvelopeReader"/> accepted
/// (so its shape is not checked again), and whether the client wants <c>base64</c> vectors. Read only when a deployment
/// needs translation: pass-through never makes the inputs' strings.
/// </summary>
internal static class OpenAIEmbeddingsRequestReader
{
    public static (EmbeddingsRequest Request, bool Base64) Read(ReadOnlyMemory<byte> body)
    {
        var reader = new Utf8JsonReader(body.Span, EnvelopeFields.ReaderOptions);
        reader.Read();
        var inputs = new List<EmbeddingInput>();
        int? dimensions = null;
        string? user = null;
        var base64 = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input"u8))
            {
                reader.Read();
                ReadInput(ref reader, inputs);
            }
            else if (reader.ValueTextEquals("dimensions"u8))
            {
                reader.Read();
                dimensions = reader.TokenType == JsonTokenType.Number ? reader.GetInt32() : null;
            }
            else if (reader.ValueTextEquals("encoding_format"u8))
            {
                reader.Read();
                base64 = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("base64"u8);
            }
            else if (reader.ValueTextEquals("user"u8))
            {
                reader.Read();
                user = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return (new EmbeddingsRequest(inputs, dimensions, user), base64);
    }

    private static void ReadInput(ref Utf8JsonReader reader, List<EmbeddingInput> inputs)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            inputs.Add(new EmbeddingInput(reader.GetString(), null));
            return;
        }
        var tokens = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    inputs.Add(new EmbeddingInput(reader.GetString(), null));
                    break;
                case JsonTokenType.Number:
                    tokens.Add(reader.GetInt32()); // an array of token ids is one input
                    break;
                default:
                    inputs.Add(new EmbeddingInput(null, ReadTokens(ref reader)));
                    break;
            }
        }
        if (tokens.Count > 0)
        {
            inputs.Add(new EmbeddingInput(null, [.. tokens]));
        }
    }

    private static int[] ReadTokens(ref Utf8JsonReader reader)
    {
        var tokens = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            tokens.Add(reader.GetInt32());
        }
        return [.. tokens];
    }
}
