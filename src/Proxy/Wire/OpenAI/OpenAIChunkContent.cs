using System.Text.Json;

namespace LlmProxy.Wire.OpenAI;

/// <summary>
/// Whether a chunk carries something for the client (text, reasoning, a tool call, a finish) rather than only opening
/// the answer (the role chunk). Read only until content has started, so a full parse is affordable.
/// </summary>
internal static class OpenAIChunkContent
{
    public static bool IsPresent(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            reader.Read();
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }
                // "text": a legacy Completions chunk's.
                if (reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8)
                    || reader.ValueTextEquals("refusal"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                    {
                        return true;
                    }
                }
                else if (reader.ValueTextEquals("tool_calls"u8) || reader.ValueTextEquals("function_call"u8) || reader.ValueTextEquals("finish_reason"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not JsonTokenType.Null)
                    {
                        return true;
                    }
                }
            }
            return false;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not ours to judge: the client gets it as it is.
            return true;
        }
    }
}
