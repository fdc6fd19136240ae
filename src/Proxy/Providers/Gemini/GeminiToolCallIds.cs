using System.Buffers;
using System.Security.Cryptography;

namespace LlmProxy.Providers.Gemini;

/// <summary>
/// Gemini function calls carry no id, but their <c>thoughtSignature</c> must come back with the call on the next
/// turn (Gemini 3 answers 400 without it: https://ai.google.dev/gemini-api/docs/thought-signatures). The proxy mints
/// the id clients echo back and carries the signature inside it: <c>call_{8 hex}</c>, or <c>call_{8 hex}_{signature
/// as base64url}</c>, which keeps to the characters every client accepts in an id (<c>[A-Za-z0-9_-]</c>).
/// </summary>
internal static class GeminiToolCallIds
{
    private const string Prefix = "call_";
    private const int RandomHexLength = 8;

    private static readonly SearchValues<char> Base64 = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");

    /// <summary>A call id, carrying <paramref name="thoughtSignature"/> when there is one; a signature that is not base64, as Gemini's always are, is not carried.</summary>
    public static string Mint(string? thoughtSignature)
    {
        var random = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(RandomHexLength / 2));
        return thoughtSignature is not { Length: > 0 } || thoughtSignature.AsSpan().ContainsAnyExcept(Base64)
            ? Prefix + random
            : $"{Prefix}{random}_{ToBase64Url(thoughtSignature)}";
    }

    /// <summary>The thought signature carried by an id the proxy minted; null for any other id.</summary>
    public static string? SignatureOf(string id)
    {
        var at = Prefix.Length + RandomHexLength;
        if (!id.StartsWith(Prefix, StringComparison.Ordinal) || id.Length <= at + 1 || id[at] != '_')
        {
            return null;
        }
        var encoded = id[(at + 1)..].Replace('-', '+').Replace('_', '/');
        return encoded.PadRight(encoded.Length + (4 - encoded.Length % 4) % 4, '=');
    }

    // The signature is standard base64 already; only its alphabet and padding change.
    private static string ToBase64Url(string base64) => base64.TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
