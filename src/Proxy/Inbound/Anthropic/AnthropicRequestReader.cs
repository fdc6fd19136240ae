using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.Anthropic;

/// <summary>
/// Reads a Messages body (https://docs.anthropic.com/en/api/messages) into the canonical request, for providers that
/// do not speak Anthropic natively. Tool results stay in their user turn (each provider mapper places them as its
/// API wants), with their images and documents; documents and search results are content like any other. Server-tool
/// blocks, container uploads and server tools are kept as <see cref="UnsupportedPart"/>s, which a translating provider
/// refuses by name. Redacted thinking (Claude's encrypted reasoning, which only Claude can read) and cache_control are
/// provider state, not content: listed in <see cref="ChatRequest.Ignored"/>.
/// </summary>
internal sealed class AnthropicRequestReader(ReadOnlyMemory<byte> body, bool requireMaxTokens)
{
    /// <param name="requireMaxTokens">False for count_tokens, whose body has no max_tokens.</param>
    public static bool TryRead(ReadOnlyMemory<byte> body, out ChatRequest? request, out GatewayError? error, bool requireMaxTokens = true)
        => RequestDocument.TryRead(body, new AnthropicRequestReader(body, requireMaxTokens).Read, out request, out error);

    private ChatRequest Read(JsonElement root)
    {
        if (!RequestJson.TryGet(root, "messages", out var messagesJson) || messagesJson.ValueKind != JsonValueKind.Array)
        {
            throw new RequestFieldException("messages", "messages: Field required (an array of user and assistant turns).");
        }
        if (messagesJson.GetArrayLength() == 0)
        {
            throw new RequestFieldException("messages", "messages: at least one message is required.");
        }
        var maxTokens = RequestJson.PositiveInt(root, "max_tokens", "max_tokens");
        if (maxTokens is null && requireMaxTokens)
        {
            throw new RequestFieldException("max_tokens", "max_tokens: Field required.");
        }
        List<string>? ignored = null;
        foreach (var property in root.EnumerateObject())
        {
            if (!IsRead(property.Name) && property.Value.ValueKind != JsonValueKind.Null)
            {
                (ignored ??= []).Add(property.Name);
            }
        }
        var messages = new List<ChatMessage>(messagesJson.GetArrayLength());
        var index = 0;
        foreach (var message in messagesJson.EnumerateArray())
        {
            messages.Add(ReadMessage(RequestJson.Object(message, $"messages[{index}]"), $"messages[{index}]", ref ignored));
            index++;
        }
        var choice = RequestJson.TryGet(root, "tool_choice", out var choiceJson) ? RequestJson.Object(choiceJson, "tool_choice") : default;
        List<UnsupportedPart>? serverTools = null;
        return new ChatRequest
        {
            System = ReadSystem(root),
            Messages = messages,
            MaxTokens = maxTokens,
            Temperature = RequestJson.Number(root, "temperature", "temperature", 0, 1),
            TopP = RequestJson.Number(root, "top_p", "top_p", 0, 1),
            TopK = RequestJson.NonNegativeInt(root, "top_k", "top_k"),
            Stop = RequestJson.Strings(root, "stop_sequences", "stop_sequences"),
            User = RequestJson.TryGet(root, "metadata", out var metadata) ? RequestJson.String(RequestJson.Object(metadata, "metadata"), "user_id", "metadata.user_id") : null,
            Tools = ReadTools(root, ref serverTools),
            UnsupportedTools = serverTools,
            ToolChoice = choice.ValueKind == JsonValueKind.Object ? ReadToolChoice(choice) : null,
            ParallelToolCalls = choice.ValueKind == JsonValueKind.Object && RequestJson.Bool(choice, "disable_parallel_tool_use", "tool_choice.disable_parallel_tool_use") == true ? false : null,
            Reasoning = ReadThinking(root),
            Stream = RequestJson.Bool(root, "stream", "stream") ?? false,
            Ignored = ignored,
            SizeHint = body.Length,
        };
    }

    private bool IsRead(string name) => name is "model" or "messages" or "max_tokens" or "system" or "temperature" or "top_p"
        or "top_k" or "stop_sequences" or "metadata" or "tools" or "tool_choice" or "thinking" or "stream";

    private string? ReadSystem(JsonElement root)
    {
        if (!RequestJson.TryGet(root, "system", out var system))
        {
            return null;
        }
        var text = system.ValueKind == JsonValueKind.String ? RequestJson.StringValue(system, "system") : RequestJson.Text(RequestJson.Array(system, "system"), "system");
        return text.Length > 0 ? text : null;
    }

    private ChatMessage ReadMessage(JsonElement message, string param, ref List<string>? ignored)
    {
        var role = RequestJson.String(message, "role", param + ".role") switch
        {
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            _ => throw new RequestFieldException(param + ".role", $"{param}.role: Input should be 'user' or 'assistant'."),
        };
        if (!RequestJson.TryGet(message, "content", out var content))
        {
            throw new RequestFieldException(param + ".content", $"{param}.content: Field required.");
        }
        if (content.ValueKind == JsonValueKind.String)
        {
            return new ChatMessage(role, [new TextPart(RequestJson.StringValue(content, param + ".content"))]);
        }
        var parts = new List<ContentPart>();
        var index = 0;
        foreach (var block in RequestJson.Array(RequestJson.Content(content, param + ".content"), param + ".content").EnumerateArray())
        {
            var blockParam = $"{param}.content[{index++}]";
            if (!ReadBlock(RequestJson.Object(block, blockParam), blockParam, parts))
            {
                (ignored ??= []).Add($"{blockParam} (redacted_thinking)");
            }
        }
        return new ChatMessage(role, parts);
    }

    /// <summary>Adds one content block's canonical parts; false only for redacted thinking, which is provider state.</summary>
    private bool ReadBlock(JsonElement block, string param, List<ContentPart> parts)
    {
        if (RequestJson.String(block, "type", param + ".type") == "document")
        {
            ReadDocument(block, param, parts);
            return true;
        }
        if (ReadSingleBlock(block, param) is { } part)
        {
            parts.Add(part);
            return true;
        }
        return false;
    }

    private ContentPart? ReadSingleBlock(JsonElement block, string param)
    {
        var type = RequestJson.String(block, "type", param + ".type");
        switch (type)
        {
            case "text":
                return new TextPart(RequestJson.String(block, "text", param + ".text") ?? throw new RequestFieldException(param + ".text", $"{param}.text: Field required."));
            case "image":
                return ReadImage(RequestJson.Object(RequestJson.TryGet(block, "source", out var source) ? source : default, param + ".source"), param + ".source")
                    with { Path = param };
            case "search_result":
                return ReadSearchResult(block, param);
            case "tool_use":
                return new ToolCallPart(
                    RequestJson.String(block, "id", param + ".id") ?? throw new RequestFieldException(param + ".id", $"{param}.id: Field required."),
                    RequestJson.String(block, "name", param + ".name") ?? throw new RequestFieldException(param + ".name", $"{param}.name: Field required."),
                    RequestJson.TryGet(block, "input", out var input) ? RequestJson.Raw(RequestJson.Object(input, param + ".input"), param + ".input") : "{}");
            case "tool_result":
                return new ToolResultPart(
                    RequestJson.String(block, "tool_use_id", param + ".tool_use_id") ?? throw new RequestFieldException(param + ".tool_use_id", $"{param}.tool_use_id: Field required."),
                    RequestJson.TryGet(block, "content", out var resultContent) ? ReadResultContent(resultContent, param + ".content") : [],
                    RequestJson.Bool(block, "is_error", param + ".is_error") ?? false) { Path = param };
            case "thinking":
                return new ReasoningPart(RequestJson.String(block, "thinking", param + ".thinking") ?? "", RequestJson.String(block, "signature", param + ".signature"));
            case "redacted_thinking":
                return null;
            case null:
                throw new RequestFieldException(param + ".type", $"{param}.type: Field required.");
            default:
                // Server-tool calls and results, container uploads, and block types newer than the proxy: only Anthropic takes them.
                return new UnsupportedPart(type) { Path = param };
        }
    }

    /// <summary>A tool result's content: a string, or blocks of text, images, documents and search results.</summary>
    private List<ContentPart> ReadResultContent(JsonElement content, string param)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return [new TextPart(RequestJson.StringValue(content, param))];
        }
        var parts = new List<ContentPart>();
        var index = 0;
        foreach (var block in RequestJson.Array(RequestJson.Content(content, param), param).EnumerateArray())
        {
            var blockParam = $"{param}[{index++}]";
            ReadBlock(RequestJson.Object(block, blockParam), blockParam, parts);
        }
        return parts;
    }

    // https://docs.anthropic.com/en/docs/build-with-claude/pdf-support: base64 PDF, plain text, a URL, or content blocks
    // (text and images), with an optional title and context; the context, where a provider has no field for it, is
    // text beside the document.
    private void ReadDocument(JsonElement block, string param, List<ContentPart> parts)
    {
        var sourceParam = param + ".source";
        var source = RequestJson.Object(RequestJson.TryGet(block, "source", out var s) ? s : default, sourceParam);
        var title = RequestJson.String(block, "title", param + ".title");
        if (RequestJson.String(block, "context", param + ".context") is { Length: > 0 } context)
        {
            parts.Add(new TextPart(context));
        }
        var mediaType = RequestJson.String(source, "media_type", sourceParam + ".media_type");
        switch (RequestJson.String(source, "type", sourceParam + ".type"))
        {
            case "base64":
                parts.Add(new DocumentPart(mediaType ?? "application/pdf", RequiredData(source, sourceParam), null, null, title) { Path = param });
                break;
            case "text":
                parts.Add(new DocumentPart(mediaType ?? "text/plain", null, Required(source, "data", sourceParam), null, title) { Path = param });
                break;
            case "url":
                parts.Add(new DocumentPart("application/pdf", null, null, Required(source, "url", sourceParam), title) { Path = param });
                break;
            case "content":
                // Its own blocks (text and images), under its title.
                if (title is { Length: > 0 })
                {
                    parts.Add(new TextPart(title));
                }
                var blocks = RequestJson.Array(RequestJson.TryGet(source, "content", out var inner) ? inner : default, sourceParam + ".content");
                var index = 0;
                foreach (var nested in blocks.EnumerateArray())
                {
                    var nestedParam = $"{sourceParam}.content[{index++}]";
                    ReadBlock(RequestJson.Object(nested, nestedParam), nestedParam, parts);
                }
                break;
            case "file":
                parts.Add(new UnsupportedPart("document (Files API file_id)") { Path = param });
                break;
            default:
                throw new RequestFieldException(sourceParam + ".type", $"{sourceParam}.type: Input should be 'base64', 'text', 'url', 'content' or 'file'.");
        }
    }

    // A search result the client supplies for citations: its text, under its title and source, is what the model reads.
    private TextPart ReadSearchResult(JsonElement block, string param)
    {
        var text = new StringBuilder();
        foreach (var line in (ReadOnlySpan<string?>)[RequestJson.String(block, "title", param + ".title"), RequestJson.String(block, "source", param + ".source")])
        {
            if (!string.IsNullOrEmpty(line))
            {
                text.Append(line).Append('\n');
            }
        }
        text.Append(RequestJson.Text(RequestJson.TryGet(block, "content", out var content) ? content : default, param + ".content"));
        return new TextPart(text.ToString());
    }

    // Base64 data stays a slice of the request body: a large image is not copied into a string.
    private InlineData RequiredData(JsonElement source, string param) => new(RequestJson.Utf8(
        RequestJson.TryGet(source, "data", out var data) ? data : throw new RequestFieldException($"{param}.data", $"{param}.data: Field required."),
        $"{param}.data", body));

    private string Required(JsonElement obj, string name, string param) =>
        RequestJson.String(obj, name, $"{param}.{name}") ?? throw new RequestFieldException($"{param}.{name}", $"{param}.{name}: Field required.");

    private ImagePart ReadImage(JsonElement source, string param) => RequestJson.String(source, "type", param + ".type") switch
    {
        "base64" => new ImagePart(
            RequestJson.String(source, "media_type", param + ".media_type") ?? throw new RequestFieldException(param + ".media_type", $"{param}.media_type: Field required."),
            RequiredData(source, param),
            null),
        "url" => new ImagePart(null, null,
            RequestJson.String(source, "url", param + ".url") ?? throw new RequestFieldException(param + ".url", $"{param}.url: Field required.")),
        _ => throw new RequestFieldException(param + ".type", $"{param}.type: this model takes images as base64 or url sources."),
    };

    private List<ToolDefinition>? ReadTools(JsonElement root, ref List<UnsupportedPart>? serverTools)
    {
        if (!RequestJson.TryGet(root, "tools", out var toolsJson))
        {
            return null;
        }
        var tools = new List<ToolDefinition>();
        var index = 0;
        foreach (var tool in RequestJson.Array(toolsJson, "tools").EnumerateArray())
        {
            var param = $"tools[{index++}]";
            RequestJson.Object(tool, param);
            // Server tools (web_search_20250305, bash_20250124...) run at Anthropic; they have no input_schema.
            if (RequestJson.String(tool, "type", param + ".type") is { } type and not "custom")
            {
                (serverTools ??= []).Add(new UnsupportedPart($"server tool {type}") { Path = param });
                continue;
            }
            tools.Add(new ToolDefinition(
                RequestJson.ToolName(tool, param + ".name", $"{param}.name: Field required."),
                RequestJson.String(tool, "description", param + ".description"),
                RequestJson.TryGet(tool, "input_schema", out var schema) ? RequestJson.Raw(RequestJson.Object(schema, param + ".input_schema"), param + ".input_schema")
                    : throw new RequestFieldException(param + ".input_schema", $"{param}.input_schema: Field required.")));
        }
        return tools;
    }

    private ToolChoice ReadToolChoice(JsonElement choice) => RequestJson.String(choice, "type", "tool_choice.type") switch
    {
        "auto" => new ToolChoice(ToolChoiceMode.Auto),
        "any" => new ToolChoice(ToolChoiceMode.Required),
        "none" => new ToolChoice(ToolChoiceMode.None),
        "tool" => new ToolChoice(ToolChoiceMode.Named,
            RequestJson.String(choice, "name", "tool_choice.name") ?? throw new RequestFieldException("tool_choice.name", "tool_choice.name: Field required.")),
        _ => throw new RequestFieldException("tool_choice.type", "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'."),
    };

    private ReasoningRequest? ReadThinking(JsonElement root)
    {
        if (!RequestJson.TryGet(root, "thinking", out var thinking))
        {
            return null;
        }
        RequestJson.Object(thinking, "thinking");
        return RequestJson.String(thinking, "type", "thinking.type") == "enabled"
            ? new ReasoningRequest(null, RequestJson.PositiveInt(thinking, "budget_tokens", "thinking.budget_tokens"))
            : null;
    }
}
