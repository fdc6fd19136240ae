using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Storage;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Reads a compaction request (https://platform.openai.com/docs/api-reference/responses/compact: <c>model</c>,
/// <c>input</c>, <c>instructions</c>, <c>previous_response_id</c>) into a canonical request that asks the model for a
/// summary of the conversation, and collects the user messages (stored ones first), which the answer keeps verbatim.
/// </summary>
internal sealed class ResponsesCompactReader(ReadOnlyMemory<byte> body, IReadOnlyList<StoredResponse> history, ReasoningSeal seal)
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The user messages of the conversation, a JSON array of input items.</summary>
    public byte[] UserMessages { get; private set; } = "[]"u8.ToArray();

    public bool TryRead(out ChatRequest? request, out GatewayError? error) => RequestDocument.TryRead(body, Read, out request, out error);

    private ChatRequest Read(JsonElement root)
    {
        var conversation = new ResponsesConversation(seal);
        conversation.AddInstructions(root);
        var users = new ArrayBufferWriter<byte>(1024);
        using var json = new Utf8JsonWriter(users, Options);
        json.WriteStartArray();
        foreach (var stored in history)
        {
            conversation.AddStored(stored, items => KeepUserMessages(json, items));
        }
        if (conversation.AddInput(root, body, out var input))
        {
            using var normalized = JsonDocument.Parse(ResponsesInputItems.Normalize(input), RawJson.DocumentOptions);
            KeepUserMessages(json, normalized.RootElement);
        }
        json.WriteEndArray();
        json.Flush();
        if (conversation.Messages.Count == 0)
        {
            throw new RequestFieldException("input", "There is nothing to compact: give 'input' or 'previous_response_id'.");
        }
        UserMessages = users.WrittenSpan.ToArray();
        conversation.AddUserText(CompactionPrompt.Request);
        return new ChatRequest { System = conversation.System, Messages = conversation.Messages, Stream = false, SizeHint = body.Length };
    }

    private static void KeepUserMessages(Utf8JsonWriter json, JsonElement items)
    {
        foreach (var item in items.EnumerateArray())
        {
            if (item.TryGetProperty("role", out var role) && role.ValueEquals("user"u8))
            {
                item.WriteTo(json);
            }
        }
    }
}
