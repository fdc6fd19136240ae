using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Wire.OpenAI;

/// <summary>
/// Classifies a chat completion chunk without parsing most of them. Content chunks, nearly all of a stream, are
/// recognised by a few vectorised searches (a non-empty <c>"choices":[</c>, no usage object, a non-empty id); only
/// the rare rest (the usage chunk, filter annotations, errors) gets a full parse, which is the one that decides.
/// </summary>
/// <remarks>
/// Not a <c>Utf8JsonReader</c> or JsonSerializer pass over every chunk: a bare reader pass over a content chunk is
/// 380-520 ns, the inspector 24-32 ns (<c>ChunkInspectionBenchmarks</c>, net10.0), and a fast stream is 100 such chunks.
/// </remarks>
internal static class OpenAIChunkInspector
{
    public static OpenAIChunkKind Inspect(ReadOnlySpan<byte> json, out TokenUsage? usage)
    {
        usage = null;
        if (HasNonEmptyChoices(json) && !MayHaveUsageObject(json) && !MayHaveEmptyId(json))
        {
            return OpenAIChunkKind.Choices;
        }
        return Parse(json, out usage);
    }

    // The searches anchor on a letter, not the quote every JSON key starts with: far fewer false candidates.
    private static bool HasNonEmptyChoices(ReadOnlySpan<byte> json)
    {
        var at = json.IndexOf("choices\""u8);
        if (at <= 0 || json[at - 1] != (byte)'"' || (at > 1 && json[at - 2] == (byte)'\\'))
        {
            return false;
        }
        var rest = SkipBlanks(json[(at + 8)..]);
        if (rest.IsEmpty || rest[0] != (byte)':')
        {
            return false;
        }
        rest = SkipBlanks(rest[1..]);
        if (rest.IsEmpty || rest[0] != (byte)'[')
        {
            return false;
        }
        rest = SkipBlanks(rest[1..]);
        return !rest.IsEmpty && rest[0] != (byte)']';
    }

    // With include_usage every chunk carries "usage":null; only an object is worth a parse. Usage comes last in
    // OpenAI's chunks, so the search runs from the end.
    private static bool MayHaveUsageObject(ReadOnlySpan<byte> json)
    {
        if (json.EndsWith("\"usage\":null}"u8))
        {
            return false;
        }
        while (true)
        {
            var at = json.LastIndexOf("usage\""u8);
            if (at < 0)
            {
                return false;
            }
            var rest = SkipBlanks(json[(at + 6)..]);
            if (!rest.IsEmpty && rest[0] == (byte)':' && SkipBlanks(rest[1..]) is { IsEmpty: false } value && value[0] == (byte)'{')
            {
                return true;
            }
            json = json[..at];
        }
    }

    private static bool MayHaveEmptyId(ReadOnlySpan<byte> json)
    {
        // OpenAI and most servers open every chunk with the id: settle it without a search.
        if (json.StartsWith("{\"id\":\""u8))
        {
            return json.Length > 7 && json[7] == (byte)'"';
        }
        var at = json.IndexOf("id\""u8);
        while (at > 0)
        {
            var rest = SkipBlanks(json[(at + 3)..]);
            if (json[at - 1] == (byte)'"' && !rest.IsEmpty && rest[0] == (byte)':' && SkipBlanks(rest[1..]).StartsWith("\"\""u8))
            {
                return true;
            }
            var next = json[(at + 3)..].IndexOf("id\""u8);
            at = next < 0 ? -1 : at + 3 + next;
        }
        return false;
    }

    private static ReadOnlySpan<byte> SkipBlanks(ReadOnlySpan<byte> json)
    {
        var i = 0;
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }
        return json[i..];
    }

    private static OpenAIChunkKind Parse(ReadOnlySpan<byte> json, out TokenUsage? usage)
    {
        usage = null;
        var kind = OpenAIChunkKind.NoChoices;
        var emptyId = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return OpenAIChunkKind.Choices;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        var peek = reader;
                        peek.Read();
                        if (peek.TokenType != JsonTokenType.EndArray && kind != OpenAIChunkKind.Error)
                        {
                            kind = OpenAIChunkKind.Choices;
                        }
                    }
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    usage = OpenAIUsageReader.ReadMember(ref reader);
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    emptyId = reader.TokenType == JsonTokenType.String && reader.ValueSpan.IsEmpty;
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    reader.Skip();
                    kind = OpenAIChunkKind.Error;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not ours to judge: a malformed chunk is forwarded as the provider sent it.
            return OpenAIChunkKind.Choices;
        }
        return emptyId && kind != OpenAIChunkKind.Error ? OpenAIChunkKind.Annotation : kind;
    }
}
