using System.Buffers;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Config;

namespace LlmProxy.Providers.Bedrock;

/// <summary>
/// Bedrock's embeddings, through InvokeModel (<c>POST {baseUrl}/model/{modelId}/invoke</c>), in the body of the model's
/// family, told by its id (a cross-region prefix such as <c>us.</c> allowed):
/// <list type="bullet">
/// <item>Amazon Titan Text Embeddings (<c>amazon.titan-embed-text-*</c>,
/// https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html): one text a call,
/// <c>{"inputText","dimensions"}</c>, answered <c>{"embedding":[...],"inputTextTokenCount":N}</c>;</item>
/// <item>Cohere Embed (<c>cohere.embed-*</c>, https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html):
/// up to 96 texts a call, <c>{"texts":[...],"input_type","output_dimension"}</c> (<c>input_type</c> the deployment's
/// <c>embeddingTaskType</c>, else <c>search_document</c>), answered <c>{"embeddings":[[...],...]}</c> with no token counts.</item>
/// </list>
/// Text only: token ids have no form in either.
/// </summary>
internal static class BedrockEmbeddings
{
    public enum Family
    {
        None,
        Titan,
        Cohere,
    }

    public static Family FamilyOf(string modelId) =>
        modelId.Contains("amazon.titan-embed-text", StringComparison.Ordinal) ? Family.Titan
        : modelId.Contains("cohere.embed", StringComparison.Ordinal) ? Family.Cohere
        : Family.None;

    public static int PerCall(Family family) => family == Family.Titan ? 1 : 96;

    /// <summary>The client's 400 before anything is sent: a model that does not embed, or token ids; null when it can go.</summary>
    public static ProviderError? WhyNot(EmbeddingsRequest request, ProviderTarget target, ProviderConfig provider)
    {
        if (FamilyOf(target.Model) == Family.None)
        {
            return new ProviderError(ProviderErrorKind.Unsupported,
                $"model '{target.Model}' of provider '{provider.Name}' (type bedrock) has no embeddings the proxy speaks: Titan Text Embeddings (amazon.titan-embed-text-*) and Cohere Embed (cohere.embed-*) do.")
            {
                Status = 400,
                Param = "model",
            };
        }
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            if (request.Inputs[i].Text is null)
            {
                return new ProviderError(ProviderErrorKind.Unsupported,
                    $"input[{i}] is token ids, which provider '{provider.Name}' (type bedrock) does not take: send text.")
                {
                    Status = 400,
                    Param = "input",
                    Code = "unsupported_content",
                };
            }
        }
        return null;
    }

    public static ReadOnlyMemory<byte> Body(EmbeddingsRequest request, int start, int count, ProviderTarget target)
    {
        var body = new ArrayBufferWriter<byte>(256 + count * 64);
        using var json = new Utf8JsonWriter(body);
        json.WriteStartObject();
        if (FamilyOf(target.Model) == Family.Titan)
        {
            json.WriteString("inputText"u8, request.Inputs[start].Text);
            if (request.Dimensions is { } dimensions)
            {
                json.WriteNumber("dimensions"u8, dimensions);
            }
        }
        else
        {
            json.WriteStartArray("texts"u8);
            for (var i = start; i < start + count; i++)
            {
                json.WriteStringValue(request.Inputs[i].Text);
            }
            json.WriteEndArray();
            json.WriteString("input_type"u8, target.EmbeddingTaskType ?? "search_document");
            if (request.Dimensions is { } dimensions)
            {
                json.WriteNumber("output_dimension"u8, dimensions);
            }
        }
        json.WriteEndObject();
        json.Flush();
        return body.WrittenMemory;
    }

    /// <summary>Titan's <c>embedding</c> and <c>inputTextTokenCount</c>, or each of Cohere's <c>embeddings</c> (no tokens).</summary>
    public static ProviderError? Locate(ReadOnlySpan<byte> answer, int expected, List<Range> vectors, out long? inputTokens)
    {
        inputTokens = null;
        var cohere = false;
        try
        {
            var reader = new Utf8JsonReader(answer);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }
                if (reader.ValueTextEquals("embedding"u8))
                {
                    reader.Read();
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    vectors.Add(start..(int)reader.BytesConsumed);
                }
                else if (reader.ValueTextEquals("inputTextTokenCount"u8))
                {
                    reader.Read();
                    inputTokens = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var tokens) && tokens >= 0 ? tokens : null;
                }
                else if (reader.ValueTextEquals("embeddings"u8))
                {
                    cohere = true;
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        return ProviderError.Invalid("Cohere embeddings that are not an array of float arrays");
                    }
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        vectors.Add(start..(int)reader.BytesConsumed);
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return ProviderError.Invalid("an embeddings answer that is not JSON");
        }
        if (cohere)
        {
            inputTokens = null;
        }
        return vectors.Count == expected ? null : ProviderError.Invalid($"{vectors.Count} embeddings for {expected} texts");
    }
}
