using System.Text.Json;
using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Routing;
using LlmProxy.Usage;

namespace LlmProxy.Inbound;

/// <summary>
/// What a request reserves at admission, read from its body in one pass whatever the dialect (it runs before any
/// canonical parse, which pass-through never needs): input tokens estimated as the proxy's estimator does (about four
/// characters of text per token, a flat 1,600 per image or other inline file: a data URL, or the value of a field that
/// carries base64 data), one per token id of an embeddings <c>input</c> or a completions <c>prompt</c> given as ids, plus the answer limit the body sets
/// (<c>max_completion_tokens</c>, <c>max_tokens</c> or <c>max_output_tokens</c> at the top level) or else the
/// configured <c>usage.reserveOutputTokens</c>; its cost is priced at the dearest deployment of the route.
/// </summary>
internal static class TokenReservation
{
    private const int CharsPerToken = 4;
    private const int TokensPerFile = 1_600;

    // A string this long that is a data URL, or the value of a field that carries inline data (Anthropic's and Gemini's
    // "data", OpenAI's "file_data", Bedrock's "bytes"), is a file (base64): it costs a file's tokens, not a character's.
    private const int InlineDataChars = 1_024;

    public static Reservation Of(ReadOnlySpan<byte> body, ModelRoute route, int defaultOutputTokens)
    {
        var (input, output) = Estimate(body);
        var outputTokens = output ?? defaultOutputTokens;
        long picoUsd = 0;
        foreach (var deployment in route.Deployments)
        {
            picoUsd = Math.Max(picoUsd, Pricing.PicoUsd(new(input, outputTokens), deployment.Config.Price));
        }
        return new Reservation(input, outputTokens, picoUsd);
    }

    /// <summary>The estimated input tokens and the answer limit the body sets (null: none). The body is valid JSON (the envelope pass checked it).</summary>
    public static (long InputTokens, long? OutputLimit) Estimate(ReadOnlySpan<byte> body)
    {
        long chars = 0, files = 0, tokenIds = 0;
        long? outputLimit = null;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            var dataField = false;
            var inTokenInput = false;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    dataField = reader.ValueTextEquals("data"u8) || reader.ValueTextEquals("file_data"u8) || reader.ValueTextEquals("bytes"u8);
                }
                if (reader.TokenType == JsonTokenType.Number && reader.CurrentDepth >= 2 && inTokenInput)
                {
                    tokenIds++; // a token id of an embeddings or completions input is one token
                }
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    inTokenInput = reader.ValueTextEquals("input"u8) || reader.ValueTextEquals("prompt"u8);
                }
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && IsOutputLimit(ref reader))
                {
                    reader.Read();
                    // Capped: no model answers more, and a client's 10^18 must not overflow the sums it goes into.
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var limit) && limit >= 0)
                    {
                        limit = Math.Min(limit, int.MaxValue);
                        outputLimit = outputLimit is { } other ? Math.Max(other, limit) : limit;
                    }
                }
                else if (reader.TokenType == JsonTokenType.String)
                {
                    // A reader over one span has no value sequences.
                    var length = reader.ValueSpan.Length;
                    if (length >= InlineDataChars && (dataField || reader.ValueSpan.StartsWith("data:"u8)))
                    {
                        files++;
                    }
                    else
                    {
                        chars += length;
                    }
                    dataField = false;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON after all, or a name with an unpaired surrogate escape that cannot be compared: count the rest as text.
            chars += body.Length - reader.BytesConsumed;
        }
        return ((chars + CharsPerToken - 1) / CharsPerToken + files * TokensPerFile + tokenIds, outputLimit);
    }

    private static bool IsOutputLimit(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("max_completion_tokens"u8) || reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("max_output_tokens"u8);
}
