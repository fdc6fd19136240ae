using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Storage;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Builds the canonical conversation from Responses API items (https://platform.openai.com/docs/api-reference/responses/create,
/// <c>input</c>): messages, <c>function_call</c>, <c>function_call_output</c>, <c>reasoning</c> and <c>compaction</c> items, whether the client
/// sent them or the store rebuilt them from earlier responses. Consecutive assistant items (reasoning, message,
/// function calls) form one assistant turn, as the providers that number turns need; system and developer messages join
/// the system text. Each error names the item's path (<c>input[2].content[0].type</c>).
/// </summary>
internal sealed class ResponsesConversation(ReasoningSeal seal)
{
    private readonly StringBuilder _system = new();
    private readonly List<ChatMessage> _messages = [];
    private List<ContentPart>? _assistant;

    public string? System => _system.Length > 0 ? _system.ToString() : null;

    public IReadOnlyList<ChatMessage> Messages
    {
        get
        {
            EndAssistantTurn();
            return _messages;
        }
    }

    public void AddSystem(string text) => _system.Append(_system.Length > 0 ? "\n\n" : "").Append(text);

    /// <summary>The request's <c>instructions</c>, when it gives any, as system text.</summary>
    public void AddInstructions(JsonElement root)
    {
        if (RequestJson.String(root, "instructions", "instructions") is { Length: > 0 } instructions)
        {
            AddSystem(instructions);
        }
    }

    /// <summary>
    /// A stored response a request continues: its input items, then its output. <paramref name="storedInput"/>, when
    /// given, also sees the input items (a compaction keeps their user messages).
    /// </summary>
    public void AddStored(StoredResponse stored, Action<JsonElement>? storedInput = null)
    {
        using (var input = JsonDocument.Parse(stored.InputItems, RawJson.DocumentOptions))
        {
            AddItems(input.RootElement, "previous_response_id", stored.InputItems);
            storedInput?.Invoke(input.RootElement);
        }
        using var response = JsonDocument.Parse(stored.Response, RawJson.DocumentOptions);
        if (response.RootElement.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Array)
        {
            AddItems(output, "previous_response_id", stored.Response);
        }
    }

    /// <summary>The request's <c>input</c>, a string (one user turn) or items; false, adding nothing, when it has none.</summary>
    public bool AddInput(JsonElement root, ReadOnlyMemory<byte> body, out JsonElement input)
    {
        if (!RequestJson.TryGet(root, "input", out input))
        {
            return false;
        }
        if (input.ValueKind == JsonValueKind.String)
        {
            AddUserText(RequestJson.StringValue(input, "input"));
        }
        else
        {
            AddItems(RequestJson.Content(input, "input"), "input", body);
        }
        return true;
    }

    /// <summary>Adds a user turn of plain text (<c>input</c> given as a string).</summary>
    public void AddUserText(string text)
    {
        EndAssistantTurn();
        _messages.Add(new ChatMessage(ChatRole.User, [new TextPart(text)]));
    }

    /// <summary>Adds every item of <paramref name="items"/>; <paramref name="body"/> holds the JSON they were parsed from (inline data stays a slice of it).</summary>
    public void AddItems(JsonElement items, string param, ReadOnlyMemory<byte> body)
    {
        var index = 0;
        foreach (var item in RequestJson.Array(items, param).EnumerateArray())
        {
            AddItem(RequestJson.Object(item, $"{param}[{index}]"), $"{param}[{index}]", body);
            index++;
        }
    }

    private void AddItem(JsonElement item, string param, ReadOnlyMemory<byte> body)
    {
        RequestJson.String(item, "id", param + ".id"); // an id, when given, is text: the store lists items by it
        var type = RequestJson.String(item, "type", param + ".type") ?? (item.TryGetProperty("role", out _) ? "message" : null);
        switch (type)
        {
            case "message":
                AddMessage(item, param, body);
                break;
            case "function_call":
                Assistant().Add(new ToolCallPart(
                    Required(item, "call_id", param),
                    RequestJson.ToolName(item, param + ".name", $"'{param}.name' is required."),
                    RequestJson.String(item, "arguments", param + ".arguments") ?? "{}") { Path = param });
                break;
            case "function_call_output":
                EndAssistantTurn();
                var callId = Required(item, "call_id", param);
                item.TryGetProperty("output", out var output);
                var content = output.ValueKind == JsonValueKind.Array
                    ? UserParts(output, param + ".output", body)
                    : [new TextPart(output.ValueKind == JsonValueKind.String ? RequestJson.StringValue(output, param + ".output")
                        : throw new RequestFieldException(param + ".output", $"'{param}.output' must be a string or an array of content parts."))];
                _messages.Add(new ChatMessage(ChatRole.Tool, [new ToolResultPart(callId, content, false) { Path = param }]));
                break;
            case "reasoning":
                if (ReadReasoning(item, param) is { } reasoning)
                {
                    Assistant().Add(reasoning);
                }
                break;
            case "compaction":
                // The summary POST /v1/responses/compact made stands where the turns it replaced stood.
                var sealedSummary = Required(item, "encrypted_content", param);
                if (!seal.TryOpen(sealedSummary, ReasoningSeal.CompactionKind, out var summary, out _))
                {
                    throw new RequestFieldException(param + ".encrypted_content",
                        $"'{param}.encrypted_content' is not a compaction this proxy made (or it was altered), so the conversation it replaced cannot be restored.");
                }
                EndAssistantTurn();
                _messages.Add(new ChatMessage(ChatRole.User, [new TextPart(CompactionPrompt.SummaryHeading + summary)]));
                break;
            case null:
                throw new RequestFieldException(param + ".type", $"'{param}.type' is required.");
            default:
                // Hosted tools' calls and references to stored items only the provider that made them can take.
                var part = new UnsupportedPart($"{ErrorText.Quote(type)} item") { Path = param };
                if (_assistant is not null)
                {
                    _assistant.Add(part);
                }
                else
                {
                    _messages.Add(new ChatMessage(ChatRole.User, [part]));
                }
                break;
        }
    }

    private void AddMessage(JsonElement item, string param, ReadOnlyMemory<byte> body)
    {
        item.TryGetProperty("content", out var content);
        switch (RequestJson.String(item, "role", param + ".role"))
        {
            case "system" or "developer":
                AddSystem(Text(content, param + ".content"));
                break;
            case "user":
                EndAssistantTurn();
                _messages.Add(new ChatMessage(ChatRole.User, content.ValueKind == JsonValueKind.String
                    ? [new TextPart(RequestJson.StringValue(content, param + ".content"))]
                    : UserParts(RequestJson.Content(content, param + ".content"), param + ".content", body)));
                break;
            case "assistant":
                if (Text(content, param + ".content") is { Length: > 0 } text)
                {
                    Assistant().Add(new TextPart(text));
                }
                break;
            case null:
                throw new RequestFieldException(param + ".role", $"'{param}.role' is required.");
            default:
                throw new RequestFieldException(param + ".role", $"'{param}.role' must be one of user, assistant, system, developer.");
        }
    }

    // input_text, input_image and input_file, the parts a user message and a tool's output may hold.
    private static List<ContentPart> UserParts(JsonElement content, string param, ReadOnlyMemory<byte> body)
    {
        var parts = new List<ContentPart>();
        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partParam = $"{param}[{index++}]";
            RequestJson.Object(part, partParam);
            switch (RequestJson.String(part, "type", partParam + ".type"))
            {
                case "input_text" or "output_text":
                    parts.Add(new TextPart(RequestJson.String(part, "text", partParam + ".text") ?? ""));
                    break;
                case "input_image":
                    parts.Add(RequestJson.TryGet(part, "image_url", out var url) ? RequestJson.Image(url, partParam + ".image_url", body) with { Path = partParam }
                        : RequestJson.String(part, "file_id", partParam + ".file_id") is not null ? new UnsupportedPart("input_image (file_id in OpenAI's file store)") { Path = partParam }
                        : throw new RequestFieldException(partParam + ".image_url", $"'{partParam}.image_url' is required (or file_id)."));
                    break;
                case "input_file":
                    parts.Add(File(part, partParam, body));
                    break;
                case null:
                    throw new RequestFieldException(partParam + ".type", $"'{partParam}.type' is required.");
                default:
                    throw new RequestFieldException(partParam + ".type", $"'{partParam}.type' must be input_text, input_image or input_file.");
            }
        }
        return parts;
    }

    // https://platform.openai.com/docs/guides/pdf-files: inline as a base64 data URL, by URL, or a file in OpenAI's store.
    private static ContentPart File(JsonElement part, string param, ReadOnlyMemory<byte> body)
    {
        var name = RequestJson.String(part, "filename", param + ".filename");
        if (RequestJson.TryGet(part, "file_data", out var data))
        {
            var inline = RequestJson.DataUrl(RequestJson.Utf8(data, param + ".file_data", body), param + ".file_data");
            return new DocumentPart(inline.MediaType ?? "application/pdf", inline.Data, null, null, name) { Path = param };
        }
        if (RequestJson.String(part, "file_url", param + ".file_url") is { } url)
        {
            return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps
                ? new DocumentPart("application/pdf", null, null, url, name) { Path = param }
                : throw new RequestFieldException(param + ".file_url", $"'{param}.file_url' must be an https URL.");
        }
        return RequestJson.String(part, "file_id", param + ".file_id") is not null
            ? new UnsupportedPart("input_file (file_id in OpenAI's file store)") { Path = param }
            : throw new RequestFieldException(param, $"'{param}' needs file_data, file_url or file_id.");
    }

    // The provider's own reasoning comes back sealed in encrypted_content (text and signature, which the provider checks);
    // one the proxy did not seal is read as unsigned reasoning from its summary, so a forged one gains nothing.
    private ReasoningPart? ReadReasoning(JsonElement item, string param)
    {
        if (RequestJson.String(item, "encrypted_content", param + ".encrypted_content") is { } sealedText && seal.TryOpen(sealedText, out var opened))
        {
            return opened with { Path = param };
        }
        var text = new StringBuilder();
        foreach (var name in (ReadOnlySpan<string>)["summary", "content"])
        {
            if (!RequestJson.TryGet(item, name, out var parts))
            {
                continue;
            }
            var index = 0;
            foreach (var part in RequestJson.Array(parts, $"{param}.{name}").EnumerateArray())
            {
                var partParam = $"{param}.{name}[{index++}]";
                if (RequestJson.String(RequestJson.Object(part, partParam), "text", partParam + ".text") is { Length: > 0 } piece)
                {
                    text.Append(text.Length > 0 ? "\n\n" : "").Append(piece);
                }
            }
            if (text.Length > 0)
            {
                break; // the full reasoning text, when both are given, repeats what the summary sums up
            }
        }
        return text.Length > 0 ? new ReasoningPart(text.ToString(), null) { Path = param } : null;
    }

    // A message's content as text: a string, or input_text / output_text / refusal parts joined by newlines.
    private static string Text(JsonElement content, string param)
    {
        if (content.ValueKind is JsonValueKind.String or JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return content.ValueKind == JsonValueKind.String ? RequestJson.StringValue(content, param) : "";
        }
        var text = new StringBuilder();
        var index = 0;
        foreach (var part in RequestJson.Array(content, param).EnumerateArray())
        {
            var partParam = $"{param}[{index++}]";
            RequestJson.Object(part, partParam);
            var value = RequestJson.String(part, "type", partParam + ".type") switch
            {
                "input_text" or "output_text" or "text" => RequestJson.String(part, "text", partParam + ".text"),
                "refusal" => RequestJson.String(part, "refusal", partParam + ".refusal"),
                null => throw new RequestFieldException(partParam + ".type", $"'{partParam}.type' is required."),
                var other => throw new RequestFieldException(partParam + ".type", $"'{partParam}.type' {ErrorText.Quote(other)} cannot appear in this message; it takes input_text, output_text or refusal."),
            };
            if (value is { Length: > 0 })
            {
                text.Append(text.Length > 0 ? "\n" : "").Append(value);
            }
        }
        return text.ToString();
    }

    private static string Required(JsonElement item, string name, string param) =>
        RequestJson.String(item, name, $"{param}.{name}") ?? throw new RequestFieldException($"{param}.{name}", $"'{param}.{name}' is required.");

    private List<ContentPart> Assistant() => _assistant ??= [];

    private void EndAssistantTurn()
    {
        if (_assistant is { Count: > 0 })
        {
            _messages.Add(new ChatMessage(ChatRole.Assistant, _assistant));
        }
        _assistant = null;
    }
}
