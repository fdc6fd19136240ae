using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Testing;

/// <summary>
/// The fake's InvokeModel for embedding models, as the Bedrock user guide gives their bodies: Titan Text Embeddings
/// (<c>{"inputText","dimensions"}</c>: one text, dimensions 256, 512 or 1024, answered with <c>embedding</c>,
/// <c>inputTextTokenCount</c> and <c>embeddingsByType</c>) and Cohere Embed (<c>{"texts","input_type"}</c>: at most 96
/// texts, <c>input_type</c> required, <c>output_dimension</c> for v4 only, answered <c>{"embeddings":{"float":[[...]]},...}</c>
/// with <c>embedding_types</c>, else <c>{"embeddings":[[...]],"id","response_type":"embeddings_floats","texts"}</c>).
/// A text's vector is <see cref="FakeGeminiEmbeddings.Vector"/>(text, dimensions or 4).
/// </summary>
public static class FakeBedrockEmbeddings
{
    public static async Task WriteAsync(HttpContext context, string modelId, byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        context.Response.ContentType = "application/json";
        if (modelId.Contains("amazon.titan-embed-text", StringComparison.Ordinal))
        {
            if (!root.TryGetProperty("inputText", out var input) || input.ValueKind != JsonValueKind.String)
            {
                await FakeBedrock.WriteErrorAsync(context, 400, "ValidationException", "Malformed input request: required key [inputText] not found");
                return;
            }
            var dimensions = root.TryGetProperty("dimensions", out var d) ? d.GetInt32() : 4;
            if (root.TryGetProperty("dimensions", out _) && dimensions is not (256 or 512 or 1024))
            {
                await FakeBedrock.WriteErrorAsync(context, 400, "ValidationException", "Malformed input request: #/dimensions: must be one of 256, 512, 1024");
                return;
            }
            var values = Values(input.GetString()!, dimensions);
            var tokens = input.GetString()!.Split(' ').Length;
            await context.Response.WriteAsync($$$"""{"embedding":{{{values}}},"inputTextTokenCount":{{{tokens}}},"embeddingsByType":{"float":{{{values}}}}}""");
            return;
        }
        if (modelId.Contains("cohere.embed", StringComparison.Ordinal))
        {
            var texts = root.GetProperty("texts");
            if (texts.GetArrayLength() > 96 || !root.TryGetProperty("input_type", out _))
            {
                await FakeBedrock.WriteErrorAsync(context, 400, "ValidationException", "Malformed input request: texts: at most 96; input_type: required");
                return;
            }
            if (root.TryGetProperty("output_dimension", out _) && !modelId.Contains("embed-v4", StringComparison.Ordinal))
            {
                await FakeBedrock.WriteErrorAsync(context, 400, "ValidationException", "Malformed input request: extraneous key [output_dimension] is not permitted");
                return;
            }
            var dimensions = root.TryGetProperty("output_dimension", out var od) ? od.GetInt32() : 4;
            // With embedding_types the vectors come by type ("embeddings_by_type"); without, as a bare list ("embeddings_floats").
            var byType = root.TryGetProperty("embedding_types", out var types) && types.EnumerateArray().Any(t => t.GetString() == "float");
            var json = new StringBuilder(byType ? """{"embeddings":{"float":[""" : """{"embeddings":[""");
            json.AppendJoin(",", texts.EnumerateArray().Select(t => Values(t.GetString()!, dimensions)));
            json.Append(byType ? "]}" : "]");
            json.Append($$""","id":"6a1e0c3f-emb","response_type":"{{(byType ? "embeddings_by_type" : "embeddings_floats")}}","texts":{{texts.GetRawText()}}}""");
            await context.Response.WriteAsync(json.ToString());
            return;
        }
        await FakeBedrock.WriteErrorAsync(context, 400, "ValidationException", "The provided model identifier is invalid.");
    }

    private static string Values(string text, int dimensions) =>
        "[" + string.Join(",", FakeGeminiEmbeddings.Vector(text, dimensions).Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";
}
