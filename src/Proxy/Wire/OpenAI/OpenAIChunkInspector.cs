using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Wire.OpenAI;

/// <summary>
/// Classifies a chat completion chunk without parsing most of them. Content chunks, nearly all of a stream, are
/// recognised by a vectorised search for a non-empty <c>"choices":[</c> and no usage object; only the rare rest
/// (the usage chunk, filter chunks, errors) gets a full parse, which is the one that decides.
/// </summary>
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

    private static bool HasNonEmptyChoices(ReadOnlySpan<byte> json)
    {
        var at = json.IndexOf("\"choices\""u8);
        if (at <= 0 || json[at - 1] == (byte)'\\')
        {
            return false;
        }
        var rest = json[(at + 9)..].TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty || rest[0] != (byte)':')
        {
            return false;
        }
        rest = rest[1..].TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty || rest[0] != (byte)'[')
        {
            return false;
        }
        rest = rest[1..].TrimStart(" \t\r\n"u8);
        return !rest.IsEmpty && rest[0] != (byte)']';
    }

    // With include_usage every chunk carries "usage":null; only an object is worth a parse.
    private static bool MayHaveUsageObject(ReadOnlySpan<byte> json)
    {
        while (true)
        {
            var at = json.IndexOf("\"usage\""u8);
            if (at < 0)
            {
                return false;
            }
            var rest = json[(at + 7)..].TrimStart(" \t\r\n:"u8);
            if (!rest.IsEmpty && rest[0] == (byte)'{')
            {
                return true;
            }
            json = rest;
        }
    }

    private static bool MayHaveEmptyId(ReadOnlySpan<byte> json)
    {
        var at = json.IndexOf("\"id\""u8);
        if (at < 0)
        {
            return false;
        }
        var rest = json[(at + 4)..].TrimStart(" \t\r\n:"u8);
        return rest.StartsWith("\"\""u8);
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
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        usage = OpenAIUsageReader.Read(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
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
        catch (JsonException)
        {
            // Not ours to judge: a malformed chunk is forwarded as the provider sent it.
            return OpenAIChunkKind.Choices;
        }
        return emptyId && kind != OpenAIChunkKind.Error ? OpenAIChunkKind.Annotation : kind;
    }
}
