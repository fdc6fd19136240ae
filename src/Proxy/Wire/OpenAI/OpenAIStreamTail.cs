using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Wire.OpenAI;

/// <summary>
/// What OpenAI's streamed objects share, Chat Completions' <c>chat.completion.chunk</c> and legacy Completions'
/// <c>text_completion</c> alike: the fields each opens with, and the end of a stream (the usage chunk, with empty
/// <c>choices</c>, when the client asked for it, then <c>data: [DONE]</c>).
/// </summary>
internal static class OpenAIStreamTail
{
    /// <summary>Writes <c>id</c>, <c>object</c> (<paramref name="objectType"/>), <c>created</c> and <c>model</c>.</summary>
    public static void WriteIdentity(Utf8JsonWriter json, in StreamStart start, ReadOnlySpan<byte> objectType)
    {
        json.WriteString("id"u8, start.Id);
        json.WriteString("object"u8, objectType);
        json.WriteNumber("created"u8, start.CreatedUnixSeconds);
        json.WriteString("model"u8, start.Model);
    }

    /// <summary>Writes the usage chunk when <paramref name="usage"/> is given, then <c>data: [DONE]</c>; the caller flushes.</summary>
    public static void WriteEnd(PipeWriter output, Utf8JsonWriter json, in StreamStart start, ReadOnlySpan<byte> objectType, TokenUsage? usage)
    {
        if (usage is { } counted)
        {
            output.Write("data: "u8);
            json.Reset(output);
            json.WriteStartObject();
            WriteIdentity(json, start, objectType);
            json.WriteStartArray("choices"u8);
            json.WriteEndArray();
            OpenAIUsageWriter.Write(json, counted);
            json.WriteEndObject();
            json.Flush();
            output.Write("\n\n"u8);
        }
        output.Write("data: [DONE]\n\n"u8);
    }
}
