using System.Text.Json;

namespace LlmProxy.Fuzz;

/// <summary>Where a seed's JSON lies: the whole file, each SSE <c>data:</c> payload, or each event line's payload.</summary>
internal enum JsonRegions
{
    Whole,
    SseData,
    EventLines,
}

/// <summary>A byte range [Start, End) of a seed.</summary>
internal readonly record struct Span(int Start, int End)
{
    public int Length => End - Start;
}

/// <summary>A member of an object (key to end of value) or an element of an array, with its container (an index into <see cref="JsonMap.Values"/>).</summary>
internal readonly record struct Member(Span Range, Span Key, int Parent);

/// <summary>
/// The JSON structure of a seed, read as far as it is valid: every value, every object member and every array
/// element, so that mutations can replace, repeat, drop and swap them as a user or a provider might.
/// </summary>
internal sealed class JsonMap
{
    public List<Span> Values { get; } = [];

    public List<Member> Members { get; } = [];

    /// <summary>Array elements, each with its array (an index into <see cref="Values"/>).</summary>
    public List<Member> Elements { get; } = [];

    public static JsonMap Of(byte[] bytes, JsonRegions regions)
    {
        var map = new JsonMap();
        foreach (var region in Find(bytes, regions))
        {
            map.Read(bytes, region);
        }
        return map;
    }

    private static IEnumerable<Span> Find(byte[] bytes, JsonRegions regions)
    {
        if (regions == JsonRegions.Whole)
        {
            yield return new Span(0, bytes.Length);
            yield break;
        }
        var lineStart = 0;
        while (lineStart < bytes.Length)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', lineStart);
            var lineEnd = newline < 0 ? bytes.Length : newline;
            var end = lineEnd > lineStart && bytes[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
            var start = -1;
            if (regions == JsonRegions.SseData && end - lineStart >= 5 && bytes.AsSpan(lineStart, 5).SequenceEqual("data:"u8))
            {
                start = lineStart + 5 + (end > lineStart + 5 && bytes[lineStart + 5] == ' ' ? 1 : 0);
            }
            else if (regions == JsonRegions.EventLines && Array.IndexOf(bytes, (byte)' ', lineStart, end - lineStart) is var space and >= 0)
            {
                start = space + 1;
            }
            if (start >= 0 && start < end)
            {
                yield return new Span(start, end);
            }
            lineStart = lineEnd + 1;
        }
    }

    private void Read(byte[] bytes, Span region)
    {
        var reader = new Utf8JsonReader(bytes.AsSpan(region.Start, region.Length), new JsonReaderOptions { MaxDepth = 1024 });
        // Open containers: where each starts, the key it is the value of (none in an array), and its index in Values.
        var open = new Stack<(int Start, Span? Key, bool IsArray, int Id)>();
        Span? key = null;
        try
        {
            while (reader.Read())
            {
                var start = region.Start + (int)reader.TokenStartIndex;
                var end = region.Start + (int)reader.BytesConsumed;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        key = new Span(start, end);
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        open.Push((start, key, reader.TokenType == JsonTokenType.StartArray, Values.Count));
                        Values.Add(default); // its end is known at its end token
                        key = null;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        var closed = open.Pop();
                        var range = new Span(closed.Start, end);
                        Values[closed.Id] = range;
                        Note(range, closed.Key, open);
                        break;
                    default:
                        Values.Add(new Span(start, end));
                        Note(new Span(start, end), key, open);
                        key = null;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // A seed mutated before: what was read so far is still worth mutating.
        }
    }

    // Notes a value as a member of the object it is in (from its key) or as an element of its array.
    private void Note(Span value, Span? key, Stack<(int Start, Span? Key, bool IsArray, int Id)> open)
    {
        if (open.Count == 0)
        {
            return;
        }
        var parent = open.Peek();
        if (parent.IsArray)
        {
            Elements.Add(new Member(value, default, parent.Id));
        }
        else if (key is { } name)
        {
            Members.Add(new Member(new Span(name.Start, value.End), name, parent.Id));
        }
    }
}
