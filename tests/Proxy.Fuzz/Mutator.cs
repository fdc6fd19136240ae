using System.Text;
using CsCheck;

namespace LlmProxy.Fuzz;

/// <summary>One edit of an input; <see cref="A"/> and <see cref="B"/> pick where and what, each kind reading them its way.</summary>
internal readonly record struct Mutation(int Kind, uint A, uint B);

/// <summary>
/// Structure-aware mutation of valid seeds: JSON values replaced by edge cases (numbers at the limits, strings with
/// odd escapes and broken UTF-8, deep nesting, long strings), members repeated, dropped, swapped and renamed, values
/// moved between places, the input truncated at any byte, and raw byte flips, insertions and deletions. A generated
/// input is a seed and up to four mutations applied in turn; CsCheck shrinks a failing one towards fewer, smaller edits.
/// </summary>
internal static class Mutator
{
    private const int Kinds = 12;
    private const byte Q = (byte)'"';

    /// <summary>JSON values that parsers get wrong: limits, escapes, encodings, shapes and sizes.</summary>
    private static readonly byte[][] EdgeValues =
    [
        .. new[]
        {
            "0", "-0", "-1", "1.5", "1e309", "-1e309", "1E-400", "2147483648", "-2147483649", "4294967296", "9223372036854775808",
            "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890", "0.30000000000000004", "null", "true",
            "false", "\"\"", "[]", "{}", "[null]", "{\"\":null}", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"a\\ud83d\"", "\"\\u0000\"",
            "\"\\uD83D\\uDE00\"", "\"\\\"\"", "\"\\\\\"", "\"\\/\"", "\"a\\nb\\r\\n\\tc\"", "\"\u00e9\u4e2d\U0001F600\"", "\" \"",
            "\"data:image/png;base64,AAAA\"", "\"data:;base64,\"", "\"data:image/png;base64,!!!\"", "\"data:text/plain,hi\"",
            "\"https://example.com/a.png\"", "\"file:///etc/passwd\"", "\"user\"", "\"assistant\"", "\"system\"", "\"tool\"",
            "\"text\"", "\"image\"", "\"function\"", "\"tool_use\"", "\"tool_result\"", "\"auto\"", "\"none\"", "\"required\"",
            "[{}]", "[\"\"]", "{\"type\":\"text\",\"text\":\"x\"}", "{\"type\":\"unknown\"}",
        }.Select(Encoding.UTF8.GetBytes),
        // Invalid UTF-8 inside a string: a truncated sequence, an encoded surrogate, past U+10FFFF, overlong, stray bytes.
        [Q, 0xC3, 0x28, Q], [Q, 0xED, 0xA0, 0x80, Q], [Q, 0xF4, 0x90, 0x80, 0x80, Q], [Q, 0xC0, 0xAF, Q], [Q, 0xFF, 0xFE, Q], [Q, 0x80, Q],
        Encoding.UTF8.GetBytes("\"" + new string('a', 70_000) + "\""),
        Encoding.UTF8.GetBytes(new string('[', 300) + new string(']', 300)),
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 300)) + "1" + new string('}', 300)),
        Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("0", 10_000)) + "]"),
    ];

    /// <summary>Bytes that change framing: JSON punctuation, line ends, SSE fields and invalid UTF-8.</summary>
    private static readonly byte[][] EdgeBytes =
    [
        .. new[]
        {
            "\"", "\\", "{", "}", "[", "]", ",", ":", "\n", "\r", "\r\n", "\n\n", "\r\n\r\n", "data: ", "data:", "event: error\n",
            ": keep-alive\n\n", "data: [DONE]\n\n", "id: 7\n", "retry: 10\n", " ", "\t", "\\u", "\\ud800", "0", "-", "e", ".",
        }.Select(Encoding.UTF8.GetBytes),
        [0x00], [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF],
    ];

    private static readonly byte[][] EdgeKeys =
        [.. new[] { "type", "role", "content", "text", "model", "messages", "error", "usage", "id", "name", "", "__proto__" }.Select(Encoding.UTF8.GetBytes)];

    public static Gen<Mutation> Edit { get; } = Gen.Select(Gen.Int[0, Kinds - 1], Gen.UInt, Gen.UInt, (kind, a, b) => new Mutation(kind, a, b));

    /// <summary>Applies <paramref name="edits"/> to <paramref name="seed"/> in turn.</summary>
    public static byte[] Apply(byte[] seed, Mutation[] edits, JsonRegions regions)
    {
        var bytes = seed;
        foreach (var edit in edits)
        {
            bytes = Apply(bytes, edit, regions);
        }
        return bytes;
    }

    private static byte[] Apply(byte[] bytes, Mutation edit, JsonRegions regions)
    {
        var (a, b) = (edit.A, edit.B);
        if (edit.Kind <= 4)
        {
            return Raw(bytes, edit.Kind, a, b);
        }
        var map = JsonMap.Of(bytes, regions);
        switch (edit.Kind)
        {
            case 5 when map.Values.Count > 0:
                return Replace(bytes, Pick(map.Values, a), Pick(EdgeValues, b));
            case 6 when map.Members.Count > 0:
                var repeated = Pick(map.Members, a).Range;
                return Insert(bytes, repeated.End, [(byte)',', .. bytes.AsSpan(repeated.Start, repeated.Length)]);
            case 7 when map.Members.Count + map.Elements.Count > 0:
                return Remove(bytes, Pick(map.Members.Count > 0 && (b & 1) == 0 ? map.Members : map.Elements.Count > 0 ? map.Elements : map.Members, a).Range);
            case 8 when map.Members.Count > 1:
                return Swap(bytes, map.Members, a, b);
            case 9 when map.Members.Count > 0:
                var renamed = Pick(map.Members, a).Key;
                var name = (b & 1) == 0 || map.Members.Count < 2 ? Pick(EdgeKeys, b >> 1) : Slice(bytes, Pick(map.Members, b >> 1).Key)[1..^1];
                return Replace(bytes, renamed, [(byte)'"', .. name, (byte)'"']);
            case 10 when map.Values.Count > 1:
                return Replace(bytes, Pick(map.Values, a), Slice(bytes, Pick(map.Values, b)));
            case 11 when map.Elements.Count > 0:
                var element = Pick(map.Elements, a).Range;
                return Insert(bytes, element.End, [(byte)',', .. bytes.AsSpan(element.Start, element.Length)]);
            default:
                return Raw(bytes, (int)(a % 5), a, b); // no structure left to edit: a raw edit instead
        }
    }

    private static byte[] Raw(byte[] bytes, int kind, uint a, uint b)
    {
        if (bytes.Length == 0)
        {
            return kind == 4 ? [.. Pick(EdgeBytes, b)] : bytes;
        }
        var at = (int)(a % (uint)bytes.Length);
        switch (kind)
        {
            case 0:
                return bytes[..at]; // truncation, at any byte
            case 1:
                var flipped = (byte[])bytes.Clone();
                flipped[at] ^= (byte)(1 << (int)(b % 8));
                return flipped;
            case 2:
                var set = (byte[])bytes.Clone();
                set[at] = (byte)b;
                return set;
            case 3:
                return Remove(bytes, new Span(at, Math.Min(bytes.Length, at + 1 + (int)(b % 16))));
            default:
                return Insert(bytes, at, Pick(EdgeBytes, b));
        }
    }

    private static byte[] Swap(byte[] bytes, List<Member> members, uint a, uint b)
    {
        var first = Pick(members, a);
        var siblings = members.Where(m => m.Parent == first.Parent && (m.Range.End <= first.Range.Start || m.Range.Start >= first.Range.End)).ToList();
        if (siblings.Count == 0)
        {
            return bytes;
        }
        var second = Pick(siblings, b);
        var (x, y) = first.Range.Start < second.Range.Start ? (first.Range, second.Range) : (second.Range, first.Range);
        return [.. bytes.AsSpan(0, x.Start), .. bytes.AsSpan(y.Start, y.Length), .. bytes.AsSpan(x.End, y.Start - x.End),
            .. bytes.AsSpan(x.Start, x.Length), .. bytes.AsSpan(y.End)];
    }

    private static byte[] Replace(byte[] bytes, Span range, ReadOnlySpan<byte> with) =>
        [.. bytes.AsSpan(0, range.Start), .. with, .. bytes.AsSpan(range.End)];

    private static byte[] Insert(byte[] bytes, int at, ReadOnlySpan<byte> what) => [.. bytes.AsSpan(0, at), .. what, .. bytes.AsSpan(at)];

    // A member's range does not take its comma: drop the one after it, else the one before, so the rest stays JSON.
    private static byte[] Remove(byte[] bytes, Span range)
    {
        var (start, end) = (range.Start, range.End);
        if (end < bytes.Length && bytes[end] == ',')
        {
            end++;
        }
        else if (start > 0 && bytes[start - 1] == ',')
        {
            start--;
        }
        return [.. bytes.AsSpan(0, start), .. bytes.AsSpan(end)];
    }

    private static byte[] Slice(byte[] bytes, Span range) => bytes[range.Start..range.End];

    private static T Pick<T>(IReadOnlyList<T> items, uint index) => items[(int)(index % (uint)items.Count)];
}
