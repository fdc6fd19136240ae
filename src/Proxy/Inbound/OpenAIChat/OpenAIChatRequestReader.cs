using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIChat;

/// <summary>
/// Reads a Chat Completions body into the canonical request, for providers that do not speak OpenAI natively.
/// Roles and text content (a string or an array of text parts) are read; the envelope reader already validated the JSON.
/// </summary>
internal static class OpenAIChatRequestReader
{
    public static bool TryRead(ReadOnlySpan<byte> body, out ChatRequest? request, out GatewayError? error)
    {
        request = null;
        var messages = new List<ChatMessage>();
        int? maxTokens = null;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("messages"u8))
            {
                reader.Read();
                if (!TryReadMessages(ref reader, messages, out error))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("max_completion_tokens"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value) || value < 1)
                {
                    error = GatewayError.BadRequest("'max_tokens' must be a positive whole number.", "max_tokens");
                    return false;
                }
                maxTokens = value;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (messages.Count == 0)
        {
            error = GatewayError.BadRequest("'messages' must be a non-empty array.", "messages");
            return false;
        }
        request = new ChatRequest(messages, maxTokens);
        error = null;
        return true;
    }

    private static bool TryReadMessages(ref Utf8JsonReader reader, List<ChatMessage> messages, out GatewayError? error)
    {
        error = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            error = GatewayError.BadRequest("'messages' must be an array.", "messages");
            return false;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var param = $"messages[{messages.Count}]";
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                error = GatewayError.BadRequest($"'{param}' must be an object.", param);
                return false;
            }
            ChatRole? role = null;
            var text = new StringBuilder();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("role"u8))
                {
                    reader.Read();
                    role = reader.TokenType == JsonTokenType.String ? ParseRole(reader.GetString()) : null;
                    if (role is null)
                    {
                        error = GatewayError.BadRequest($"'{param}.role' must be one of system, developer, user, assistant, tool.", $"{param}.role");
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("content"u8))
                {
                    reader.Read();
                    if (!TryReadContent(ref reader, text, param, out error))
                    {
                        return false;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (role is null)
            {
                error = GatewayError.BadRequest($"'{param}.role' is required.", $"{param}.role");
                return false;
            }
            messages.Add(new ChatMessage(role.Value, text.ToString()));
        }
        return true;
    }

    private static bool TryReadContent(ref Utf8JsonReader reader, StringBuilder text, string param, out GatewayError? error)
    {
        error = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                text.Append(reader.GetString());
                return true;
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    var isText = false;
                    string? partText = null;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("type"u8))
                        {
                            reader.Read();
                            isText = reader.ValueTextEquals("text"u8);
                        }
                        else if (reader.ValueTextEquals("text"u8))
                        {
                            reader.Read();
                            partText = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                    if (isText && partText is not null)
                    {
                        text.Append(partText);
                    }
                }
                if (reader.TokenType != JsonTokenType.EndArray)
                {
                    error = GatewayError.BadRequest($"'{param}.content' parts must be objects.", $"{param}.content");
                    return false;
                }
                return true;
            default:
                error = GatewayError.BadRequest($"'{param}.content' must be a string or an array of content parts.", $"{param}.content");
                return false;
        }
    }

    private static ChatRole? ParseRole(string? role) => role switch
    {
        "system" or "developer" => ChatRole.System,
        "user" => ChatRole.User,
        "assistant" => ChatRole.Assistant,
        "tool" or "function" => ChatRole.Tool,
        _ => null,
    };
}
