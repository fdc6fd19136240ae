using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound;

/// <summary>
/// The member names of one JSON object read so far, compared unescaped (<c>"\u006dodel"</c> is <c>model</c>), so
/// that a member given twice is refused: which copy counts is up to each reader (the proxy reads the first, a provider
/// may read the last), so a repeated <c>model</c>, <c>stream</c> or <c>stream_options</c> could make the proxy and the
/// provider disagree about the request. Names live in the caller's stack buffers; an object with more names than they
/// hold (API bodies have a few dozen) goes on in a set.
/// </summary>
internal ref struct MemberNames
{
    private readonly Span<byte> _names;
    private readonly Span<int> _ends;
    private int _count;
    private HashSet<string>? _overflow;

    /// <param name="names">Room for the names' unescaped UTF-8, one after another.</param>
    /// <param name="ends">Room for where each name ends in <paramref name="names"/>: as many names as it holds.</param>
    public MemberNames(Span<byte> names, Span<int> ends)
    {
        _names = names;
        _ends = ends;
    }

    /// <summary>
    /// Notes the name the reader is on; false, with a 400 naming it, when the object had it already. Throws
    /// <see cref="InvalidOperationException"/> for a name escaping half a surrogate pair, as the reader does.
    /// </summary>
    public bool TryNote(in Utf8JsonReader reader, string? parent, out GatewayError? error)
    {
        error = null;
        var start = _count == 0 ? 0 : _ends[_count - 1];
        if (_overflow is null && _count < _ends.Length && reader.ValueSpan.Length <= _names.Length - start)
        {
            var name = _names[start..];
            var length = reader.ValueIsEscaped ? reader.CopyString(name) : Copy(reader.ValueSpan, name);
            name = name[..length];
            for (var i = 0; i < _count; i++)
            {
                if (_names[(i == 0 ? 0 : _ends[i - 1]).._ends[i]].SequenceEqual(name))
                {
                    error = Repeated(Encoding.UTF8.GetString(name), parent);
                    return false;
                }
            }
            _ends[_count++] = start + length;
            return true;
        }
        if (_overflow is null)
        {
            _overflow = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < _count; i++)
            {
                _overflow.Add(Encoding.UTF8.GetString(_names[(i == 0 ? 0 : _ends[i - 1]).._ends[i]]));
            }
        }
        var text = reader.GetString()!;
        if (!_overflow.Add(text))
        {
            error = Repeated(text, parent);
            return false;
        }
        return true;
    }

    private static int Copy(ReadOnlySpan<byte> from, Span<byte> to)
    {
        from.CopyTo(to);
        return from.Length;
    }

    private static GatewayError Repeated(string name, string? parent)
    {
        var path = parent is null ? name : $"{parent}.{name}";
        return GatewayError.BadRequest($"'{ErrorText.Quote(path)}' appears twice; give each field once.",
            path.Length <= ErrorText.MaxQuoted ? path : null);
    }
}
