using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIEmbeddings;

/// <summary>
/// Writes a translated embeddings answer as OpenAI's create-embeddings response
/// (https://platform.openai.com/docs/api-reference/embeddings/object):
/// <c>{"object":"list","data":[{"object":"embedding","index":0,"embedding":[...]},...],"model":"...","usage":{"prompt_tokens":N,"total_tokens":N}}</c>,
/// each vector written and flushed as it comes. With <c>base64</c>, a vector is its float32 values little-endian, in
/// base64, as OpenAI sends it. The answer is claimed before its first byte. A provider that counts no tokens (Gemini,
/// Cohere) leaves <see cref="Usage"/> null, for the ledger to flag its own estimate, and the answer's usage is then
/// <paramref name="estimatedInputTokens"/>: OpenAI's clients read a number there.
/// </summary>
internal sealed class OpenAIEmbeddingsWriter(HttpContext context, ReadOnlyMemory<byte> model, bool base64, AnswerClaim claim, long estimatedInputTokens)
    : IEmbeddingsSink, IDisposable
{
    private static readonly JsonEncodedText Object = JsonEncodedText.Encode("object"u8);
    private static readonly JsonEncodedText Index = JsonEncodedText.Encode("index"u8);
    private static readonly JsonEncodedText Embedding = JsonEncodedText.Encode("embedding"u8);

    private Utf8JsonWriter? _json;

    /// <summary>When the answer's first bytes were written (a Stopwatch timestamp); 0 before.</summary>
    public long OpenedTimestamp { get; private set; }

    /// <summary>The usage the provider reported, once it has.</summary>
    public TokenUsage? Usage { get; private set; }

    /// <summary>True once the answer began: a failure after that can only cut it.</summary>
    public bool Started => _json is not null;

    public async ValueTask VectorAsync(int index, ReadOnlyMemory<float> values, CancellationToken cancellationToken)
    {
        var json = Open();
        json.WriteStartObject();
        json.WriteString(Object, "embedding"u8);
        json.WriteNumber(Index, index);
        json.WritePropertyName(Embedding);
        if (base64)
        {
            WriteBase64(json, values.Span);
        }
        else
        {
            json.WriteStartArray();
            foreach (var value in values.Span)
            {
                json.WriteNumberValue(value);
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.Flush();
        await context.Response.BodyWriter.FlushAsync(cancellationToken);
    }

    public void ReportUsage(long inputTokens) => Usage = new TokenUsage(inputTokens, 0);

    /// <summary>Ends the answer: the list's tail, the model the client named and the usage.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var json = Open();
        json.WriteEndArray();
        json.WriteString("model"u8, model.Span);
        var inputTokens = Usage?.InputTokens ?? estimatedInputTokens;
        json.WriteStartObject("usage"u8);
        json.WriteNumber("prompt_tokens"u8, inputTokens);
        json.WriteNumber("total_tokens"u8, inputTokens);
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        await context.Response.BodyWriter.FlushAsync(cancellationToken);
    }

    public void Dispose() => _json?.Dispose();

    private Utf8JsonWriter Open()
    {
        if (_json is not null)
        {
            return _json;
        }
        if (!claim.TryClaim())
        {
            throw new OperationCanceledException("another attempt answers this request");
        }
        OpenedTimestamp = Stopwatch.GetTimestamp();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        _json = new Utf8JsonWriter(context.Response.BodyWriter, new JsonWriterOptions { SkipValidation = true });
        _json.WriteStartObject();
        _json.WriteString(Object, "list"u8);
        _json.WriteStartArray("data"u8);
        return _json;
    }

    // OpenAI's base64 vectors are the float32 values' little-endian bytes.
    private static void WriteBase64(Utf8JsonWriter json, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            json.WriteBase64StringValue(MemoryMarshal.AsBytes(values));
            return;
        }
        var bytes = ArrayPool<byte>.Shared.Rent(values.Length * sizeof(float));
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }
        json.WriteBase64StringValue(bytes.AsSpan(0, values.Length * sizeof(float)));
        ArrayPool<byte>.Shared.Return(bytes);
    }
}
