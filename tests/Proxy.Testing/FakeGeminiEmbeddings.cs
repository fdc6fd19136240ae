using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Testing;

/// <summary>
/// The fake's <c>models/{model}:batchEmbedContents</c> (https://ai.google.dev/api/embeddings#method:-models.batchembedcontents),
/// checked as the real one checks it: at most 100 requests, each naming <c>models/{model}</c> of the URL and holding
/// text parts. The vector of a text is <see cref="Vector"/>(text, outputDimensionality or 3), so tests can tell which
/// text a vector came from; the answer has no token counts, as Gemini's has none.
/// </summary>
public static class FakeGeminiEmbeddings
{
    public const int MaxRequests = 100;

    /// <summary>What the fake answers for <paramref name="text"/>: values exact in float32.</summary>
    public static float[] Vector(string text, int dimensions) =>
        [.. Enumerable.Range(0, dimensions).Select(d => text.Length + d * 0.25f + (text.Length > 0 ? text[^1] % 7 : 0))];

    public static async Task WriteAsync(HttpContext context, string model, byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var requests = document.RootElement.GetProperty("requests");
        if (requests.GetArrayLength() > MaxRequests)
        {
            await FakeGemini.WriteErrorAsync(context, 400, $"* BatchEmbedContentsRequest.requests: at most {MaxRequests} requests can be in one batch", "INVALID_ARGUMENT");
            return;
        }
        var json = new StringBuilder("""{"embeddings":[""");
        var first = true;
        foreach (var item in requests.EnumerateArray())
        {
            if (item.GetProperty("model").GetString() != "models/" + model)
            {
                await FakeGemini.WriteErrorAsync(context, 400, "* BatchEmbedContentsRequest.model: the model of every request must match the URL's", "INVALID_ARGUMENT");
                return;
            }
            var text = item.GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString()!;
            var dimensions = item.TryGetProperty("outputDimensionality", out var d) ? d.GetInt32() : 3;
            json.Append(first ? "" : ",").Append("""{"values":[""")
                .Append(string.Join(",", Vector(text, dimensions).Select(v => v.ToString("R", CultureInfo.InvariantCulture)))).Append("]}");
            first = false;
        }
        json.Append("]}");
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json.ToString());
    }
}
