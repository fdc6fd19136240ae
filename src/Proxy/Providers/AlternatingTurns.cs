using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Providers;

/// <summary>
/// Writes the conversation for APIs that want user and model turns to alternate (Anthropic, Gemini, Bedrock): tool
/// results travel in user turns, and a run of parts from one side becomes one message, opened only when it has a
/// part to hold (these APIs reject empty turns).
/// </summary>
internal static class AlternatingTurns
{
    /// <param name="shape">The API's names: the turns array, the two roles, the parts array of a turn.</param>
    /// <param name="isWritten">Whether a part is sent at all (empty text, unsigned reasoning... are not).</param>
    public static void Write(Utf8JsonWriter json, IReadOnlyList<ChatMessage> messages, TurnShape shape,
        Func<ContentPart, ChatRole, bool> isWritten, Action<Utf8JsonWriter, ContentPart> writePart)
    {
        json.WriteStartArray(shape.TurnsName);
        var open = false;
        var openRole = ChatRole.User;
        foreach (var message in messages)
        {
            var role = message.Role == ChatRole.Assistant ? ChatRole.Assistant : ChatRole.User;
            foreach (var part in message.Parts)
            {
                if (!isWritten(part, role))
                {
                    continue;
                }
                if (!open || role != openRole)
                {
                    if (open)
                    {
                        json.WriteEndArray();
                        json.WriteEndObject();
                    }
                    json.WriteStartObject();
                    json.WriteString("role"u8, role == ChatRole.Assistant ? shape.AssistantRole : shape.UserRole);
                    json.WriteStartArray(shape.PartsName);
                    open = true;
                    openRole = role;
                }
                writePart(json, part);
            }
        }
        if (open)
        {
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
