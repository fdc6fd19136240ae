using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Testing;

/// <summary>
/// The fake's <c>POST /v1/embeddings</c> answer, in OpenAI's shape (https://platform.openai.com/docs/api-reference/embeddings/object):
/// input i (strings or token arrays) gets the vector <see cref="Vector"/>(i, dimensions), 3 values unless the body asks
/// for <c>dimensions</c>, as JSON numbers or, for <c>encoding_format: base64</c>, its little-endian float32 bytes in
/// base64; usage counts 2 prompt tokens per input.
/// </summary>
public static class FakeOpenAIEmbeddings
{
    public const string Model = "text-embedding-3-small";

    /// <summary>What the fake answers for input <paramref name="index"/>: values exact in float32, so tests compare them exactly.</summary>
    public static float[] Vector(int index, int dimensions) => [.. Enumerable.Range(0, dimensions).Select(d => (index + 1) * 0.5f - d * 0.125f)];

    public static async Task WriteAsync(HttpContext context, JsonElement body)
    {
        var input = body.GetProperty("input");
        var count = input.ValueKind == JsonValueKind.String || (input.GetArrayLength() > 0 && input[0].ValueKind == JsonValueKind.Number) ? 1 : input.GetArrayLength();
        var dimensions = body.TryGetProperty("dimensions", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt32() : 3;
        var base64 = body.TryGetProperty("encoding_format", out var f) && f.GetString() == "base64";
        var json = new StringBuilder("""{"object":"list","data":[""");
        for (var i = 0; i < count; i++)
        {
            var vector = Vector(i, dimensions);
            json.Append(i > 0 ? "," : "").Append($$"""{"object":"embedding","index":{{i}},"embedding":""");
            json.Append(base64 ? $"\"{Base64(vector)}\"" : "[" + string.Join(",", vector.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]");
            json.Append('}');
        }
        json.Append($$$"""],"model":"{{{Model}}}","usage":{"prompt_tokens":{{{2 * count}}},"total_tokens":{{{2 * count}}}}}""");
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json.ToString());
    }

    /// <summary>OpenAI's base64 form of a vector: its float32 values little-endian.</summary>
    public static string Base64(float[] vector)
    {
        var bytes = new byte[vector.Length * 4];
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), vector[i]);
        }
        return Convert.ToBase64String(bytes);
    }
}
