using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace LlmProxy.Canonical;

/// <summary>
/// What an API accepts as a tool call id or a tool name: its characters, its longest length, and whether it must
/// start with a letter or an underscore. <see cref="Conform"/> turns any identifier into one the API accepts,
/// deterministically and without state, so a call and its result, rewritten separately (even in separate requests),
/// still match.
/// </summary>
internal sealed class IdentifierRule(SearchValues<char> allowed, int maxLength, bool startsWithLetterOrUnderscore = false)
{
    private const int HashLength = 8;

    /// <summary>Letters, digits, underscore and hyphen: <c>[a-zA-Z0-9_-]</c>.</summary>
    public static readonly SearchValues<char> WordCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    public int MaxLength { get; } = maxLength;

    public bool Accepts(string value) =>
        value.Length > 0 && value.Length <= MaxLength && !value.AsSpan().ContainsAnyExcept(allowed)
        && (!startsWithLetterOrUnderscore || char.IsAsciiLetter(value[0]) || value[0] == '_');

    /// <summary>
    /// <paramref name="value"/> itself when accepted; else its allowed characters (others become <c>_</c>), cut to fit,
    /// then <c>_</c> and 8 hex digits of its hash, so two different identifiers never come out the same.
    /// </summary>
    public string Conform(string value)
    {
        if (Accepts(value))
        {
            return value;
        }
        var hash = Convert.ToHexStringLower(XxHash32.Hash(Encoding.UTF8.GetBytes(value)));
        var prefix = startsWithLetterOrUnderscore && (value.Length == 0 || !(char.IsAsciiLetter(value[0]) || value[0] == '_')) ? "_" : "";
        var room = Math.Max(0, MaxLength - prefix.Length - 1 - HashLength);
        var kept = new StringBuilder(prefix, Math.Min(MaxLength, value.Length + prefix.Length + 1 + HashLength));
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, room)))
        {
            kept.Append(allowed.Contains(c) ? c : '_');
        }
        return kept.Append('_').Append(hash).ToString();
    }
}
