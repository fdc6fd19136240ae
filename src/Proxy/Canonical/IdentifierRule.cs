using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace LlmProxy.Canonical;

/// <summary>
/// What an API accepts as a tool call id or a tool name: its characters, its longest length, and whether it must
/// start with a letter or an underscore. <see cref="Conform"/> turns any identifier into one the API accepts,
/// deterministically and without state, so a call and its result, rewritten separately (even in separate requests),
/// still match.
/// </summary>
internal sealed class IdentifierRule
{
    private const int HashLength = 8;
    // Room for a leading underscore, one kept character, the separator and the hash.
    private const int ShortestLimit = 2 + 1 + HashLength;
    private readonly SearchValues<char> _allowed;
    private readonly bool _startsWithLetterOrUnderscore;

    /// <param name="maxLength">The longest identifier the API takes; at least 11, so a conformed one fits.</param>
    public IdentifierRule(SearchValues<char> allowed, int maxLength, bool startsWithLetterOrUnderscore = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, ShortestLimit);
        _allowed = allowed;
        MaxLength = maxLength;
        _startsWithLetterOrUnderscore = startsWithLetterOrUnderscore;
    }

    /// <summary>Letters, digits, underscore and hyphen: <c>[a-zA-Z0-9_-]</c>.</summary>
    public static readonly SearchValues<char> WordCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    public int MaxLength { get; }

    public bool Accepts(string value) =>
        value.Length > 0 && value.Length <= MaxLength && !value.AsSpan().ContainsAnyExcept(_allowed) && StartsRight(value);

    /// <summary>
    /// <paramref name="value"/> itself when accepted; else its allowed characters (others become <c>_</c>), cut to fit,
    /// then <c>_</c> and 8 hex digits of a hash of the whole original, so two different identifiers never come out the same.
    /// </summary>
    public string Conform(string value)
    {
        if (Accepts(value))
        {
            return value;
        }
        // Over the UTF-16 code units, so identifiers that differ only in unpaired surrogates still hash apart.
        var hash = XxHash32.HashToUInt32(MemoryMarshal.AsBytes(value.AsSpan()));
        var prefix = StartsRight(value) && value.Length > 0 ? "" : _startsWithLetterOrUnderscore ? "_" : "";
        var kept = Math.Min(value.Length, MaxLength - prefix.Length - 1 - HashLength);
        return string.Create(prefix.Length + kept + 1 + HashLength, (value, prefix, kept, hash, _allowed), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            var at = state.prefix.Length;
            foreach (var c in state.value.AsSpan(0, state.kept))
            {
                span[at++] = state._allowed.Contains(c) ? c : '_';
            }
            span[at++] = '_';
            state.hash.TryFormat(span[at..], out _, "x8");
        });
    }

    private bool StartsRight(string value) =>
        !_startsWithLetterOrUnderscore || (value.Length > 0 && (char.IsAsciiLetter(value[0]) || value[0] == '_'));
}
