using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using LlmProxy.Canonical;

namespace LlmProxy.Providers.Mock;

/// <summary>
/// The mock provider's embeddings: a deterministic unit vector per input, seeded by the input's text (its UTF-8) or
/// token ids, so the same input always gets the same vector and tests can check order and identity. Its length is
/// <c>dimensions</c>, or 1,536 (OpenAI's text-embedding-3-small) when the request gives none; usage is a word count
/// per text and one token per token id.
/// </summary>
internal static class MockEmbeddings
{
    public const int DefaultDimensions = 1_536;

    /// <summary>The longest vector it makes; longer asks are refused before anything is written.</summary>
    public const int MaxDimensions = 16_384;

    public static async ValueTask<ProviderError?> EmbedAsync(EmbeddingsRequest request, IEmbeddingsSink sink, CancellationToken cancellationToken)
    {
        var dimensions = request.Dimensions ?? DefaultDimensions;
        if (dimensions > MaxDimensions)
        {
            return new ProviderError(ProviderErrorKind.Unsupported, $"'dimensions' may be at most {MaxDimensions} for the mock provider.")
            {
                Status = 400,
                Param = "dimensions",
            };
        }
        var vector = ArrayPool<float>.Shared.Rent(dimensions);
        try
        {
            long tokens = 0;
            for (var i = 0; i < request.Inputs.Count; i++)
            {
                var input = request.Inputs[i];
                Fill(vector.AsSpan(0, dimensions), Seed(input));
                tokens += input.Text is { } text ? MockWords.Count(text) : input.Tokens!.Length;
                await sink.VectorAsync(i, vector.AsMemory(0, dimensions), cancellationToken).ConfigureAwait(false);
            }
            sink.ReportUsage(tokens);
            return null;
        }
        catch (OperationCanceledException)
        {
            return ProviderError.Canceled;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(vector);
        }
    }

    private static ulong Seed(EmbeddingInput input)
    {
        if (input.Text is not { } text)
        {
            return XxHash3.HashToUInt64(MemoryMarshal.AsBytes(input.Tokens.AsSpan()), seed: 1);
        }
        // The text's UTF-8 in a pooled buffer: a load test's upstream allocates nothing per input.
        var utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        var seed = XxHash3.HashToUInt64(utf8.AsSpan(0, Encoding.UTF8.GetBytes(text, utf8)));
        ArrayPool<byte>.Shared.Return(utf8);
        return seed;
    }

    // SplitMix64 values in [-1, 1), scaled to length 1 so that cosine similarity is a dot product, as for real models.
    private static void Fill(Span<float> vector, ulong state)
    {
        double squares = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            state += 0x9E3779B97F4A7C15;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            z ^= z >> 31;
            vector[i] = (float)((z >> 11) * (1.0 / (1UL << 52)) - 1.0);
            squares += vector[i] * (double)vector[i];
        }
        var scale = (float)(1 / Math.Sqrt(squares));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }
    }
}
