using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIChat;

/// <summary>
/// Reads a Chat Completions body (https://platform.openai.com/docs/api-reference/chat/create) into the canonical
/// request, for providers that do not speak OpenAI natively. System and developer messages join into the system
/// text; images, audio and files become parts (a file in OpenAI's file store, and tools other than functions, only
/// OpenAI can take: they are kept as <see cref="UnsupportedPart"/>s that a translating provider refuses by name);
/// parameters with no canonical meaning (n, logprobs, penalties, seed...) are listed in
/// <see cref="ChatRequest.Ignored"/> so the pipeline can log what was dropped. The envelope reader already
/// validated the JSON.
/// </summary>
internal sealed class OpenAIChatRequestReader(ReadOnlyMemory<byte> body)
{
    public static bool TryRead(ReadOnlyMemory<byte> body, out ChatRequest? request, out GatewayError? error)
        => RequestDocument.TryRead(body, new OpenAIChatRequestReader(body).Read, out request, out error);

    private ChatRequest Read(JsonElement root)
    {
        if (!RequestJson.TryGet(root, "messages", out var messagesJson) || messagesJson.ValueKind != JsonValueKind.Array || messagesJson.GetArrayLength() == 0)
        {
            throw new RequestFieldException("messages", "'messages' must be a non-empty array.");
        }
        var system = new StringBuilder();
        var messages = new List<ChatMessage>(messagesJson.GetArrayLength());
        var index = 0;
        foreach (var message in messagesJson.EnumerateArray())
        {
            ReadMessage(RequestJson.Object(message, $"messages[{index}]"), $"messages[{index}]", system, messages);
            index++;
        }
        List<string>? ignored = null;
        foreach (var property in root.EnumerateObject())
        {
            if (!IsRead(property.Name) && property.Value.ValueKind != JsonValueKind.Null)
            {
                (ignored ??= []).Add(property.Name);
            }
        }
        List<UnsupportedPart>? hostedTools = null;
        return new ChatRequest
        {
            System = system.Length > 0 ? system.ToString() : null,
            Messages = messages,
            MaxTokens = RequestJson.PositiveInt(root, "max_completion_tokens", "max_completion_tokens")
                ?? RequestJson.PositiveInt(root, "max_tokens", "max_tokens"),
            Temperature = RequestJson.Number(root, "temperature", "temperature", 0, 2),
            TopP = RequestJson.Number(root, "top_p", "top_p", 0, 1),
            Stop = RequestJson.Strings(root, "stop", "stop"),
            User = RequestJson.String(root, "user", "user"),
            Tools = ReadTools(root, ref hostedTools),
            UnsupportedTools = hostedTools,
            ToolChoice = ReadToolChoice(root),
            ParallelToolCalls = RequestJson.Bool(root, "parallel_tool_calls", "parallel_tool_calls"),
            ResponseFormat = ReadResponseFormat(root),
            Reasoning = RequestJson.String(root, "reasoning_effort", "reasoning_effort") is { } effort ? new ReasoningRequest(effort, null) : null,
            Stream = RequestJson.Bool(root, "stream", "stream") ?? false,
            Ignored = ignored,
            SizeHint = body.Length,
        };
    }

    private bool IsRead(string name) => name is "model" or "messages" or "max_tokens" or "max_completion_tokens" or "temperature"
        or "top_p" or "stop" or "user" or "tools" or "tool_choice" or "parallel_tool_calls" or "response_format" or "reasoning_effort"
        or "stream" or "stream_options";

    private void ReadMessage(JsonElement message, string param, StringBuilder system, List<ChatMessage> messages)
    {
        var role = RequestJson.String(message, "role", param + ".role");
        message.TryGetProperty("content", out var content);
        switch (role)
        {
            case "system" or "developer":
                system.Append(system.Length > 0 ? "\n\n" : "").Append(RequestJson.Text(content, param + ".content"));
                break;
            case "user":
                messages.Add(new ChatMessage(ChatRole.User, ReadUserContent(content, param + ".content")));
                break;
            case "assistant":
                messages.Add(new ChatMessage(ChatRole.Assistant, ReadAssistant(message, content, param)));
                break;
            case "tool":
                var callId = RequestJson.String(message, "tool_call_id", param + ".tool_call_id")
                    ?? throw new RequestFieldException(param + ".tool_call_id", $"'{param}.tool_call_id' is required for a tool message.");
                messages.Add(new ChatMessage(ChatRole.Tool, [ToolResultPart.OfText(callId, RequestJson.Text(content, param + ".content"), false) with { Path = param }]));
                break;
            case null:
                throw new RequestFieldException(param + ".role", $"'{param}.role' is required.");
            default:
                throw new RequestFieldException(param + ".role", $"'{param}.role' must be one of system, developer, user, assistant, tool.");
        }
    }

    private List<ContentPart> ReadUserContent(JsonElement content, string param)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return [new TextPart(RequestJson.StringValue(content, param))];
        }
        var parts = new List<ContentPart>();
        var index = 0;
        foreach (var part in RequestJson.Array(RequestJson.Content(content, param), param).EnumerateArray())
        {
            var partParam = $"{param}[{index++}]";
            RequestJson.Object(part, partParam);
            switch (RequestJson.String(part, "type", partParam + ".type"))
            {
                case "text":
                    parts.Add(new TextPart(RequestJson.String(part, "text", partParam + ".text") ?? ""));
                    break;
                case "image_url":
                    var image = RequestJson.TryGet(part, "image_url", out var imageJson) ? imageJson : default;
                    var url = image.ValueKind == JsonValueKind.String ? image
                        : image.ValueKind == JsonValueKind.Object && RequestJson.TryGet(image, "url", out var inner) ? inner
                        : throw new RequestFieldException(partParam + ".image_url.url", $"'{partParam}.image_url.url' is required.");
                    parts.Add(RequestJson.Image(url, partParam + ".image_url.url", body) with { Path = partParam });
                    break;
                case "input_audio":
                    var audio = RequestJson.Object(RequestJson.TryGet(part, "input_audio", out var audioJson) ? audioJson : default, partParam + ".input_audio");
                    parts.Add(new AudioPart(
                        RequestJson.String(audio, "format", partParam + ".input_audio.format") ?? throw new RequestFieldException(partParam + ".input_audio.format", $"'{partParam}.input_audio.format' is required."),
                        new InlineData(RequestJson.Utf8(RequestJson.TryGet(audio, "data", out var audioData) ? audioData
                            : throw new RequestFieldException(partParam + ".input_audio.data", $"'{partParam}.input_audio.data' is required."), partParam + ".input_audio.data", body)))
                    { Path = partParam });
                    break;
                case "file":
                    parts.Add(ReadFile(RequestJson.Object(RequestJson.TryGet(part, "file", out var file) ? file : default, partParam + ".file"), partParam));
                    break;
                default:
                    throw new RequestFieldException(partParam + ".type", $"'{partParam}.type' must be text, image_url, input_audio or file.");
            }
        }
        return parts;
    }

    // https://platform.openai.com/docs/guides/pdf-files: inline as a base64 data URL with a filename, or a file_id.
    private ContentPart ReadFile(JsonElement file, string param)
    {
        var name = RequestJson.String(file, "filename", param + ".file.filename");
        if (RequestJson.TryGet(file, "file_data", out var data))
        {
            var inline = RequestJson.DataUrl(RequestJson.Utf8(data, param + ".file.file_data", body), param + ".file.file_data");
            return new DocumentPart(inline.MediaType ?? "application/pdf", inline.Data, null, null, name) { Path = param };
        }
        return RequestJson.String(file, "file_id", param + ".file.file_id") is not null
            ? new UnsupportedPart("file (file_id in OpenAI's file store)") { Path = param }
            : throw new RequestFieldException(param + ".file", $"'{param}.file' needs file_data or file_id.");
    }

    private List<ContentPart> ReadAssistant(JsonElement message, JsonElement content, string param)
    {
        var parts = new List<ContentPart>();
        if (RequestJson.String(message, "reasoning_content", param + ".reasoning_content") is { Length: > 0 } reasoning)
        {
            parts.Add(new ReasoningPart(reasoning, null));
        }
        var text = RequestJson.Text(content, param + ".content", refusals: true);
        if (RequestJson.String(message, "refusal", param + ".refusal") is { Length: > 0 } refusal)
        {
            text = text.Length > 0 ? text + "\n" + refusal : refusal; // what the assistant said, in its refusal field
        }
        if (text.Length > 0)
        {
            parts.Add(new TextPart(text));
        }
        if (RequestJson.TryGet(message, "tool_calls", out var calls))
        {
            var index = 0;
            foreach (var call in RequestJson.Array(calls, param + ".tool_calls").EnumerateArray())
            {
                var callParam = $"{param}.tool_calls[{index++}]";
                var function = RequestJson.Object(RequestJson.TryGet(RequestJson.Object(call, callParam), "function", out var f) ? f : default, callParam + ".function");
                parts.Add(new ToolCallPart(
                    RequestJson.String(call, "id", callParam + ".id") ?? throw new RequestFieldException(callParam + ".id", $"'{callParam}.id' is required."),
                    RequestJson.String(function, "name", callParam + ".function.name") ?? "",
                    RequestJson.String(function, "arguments", callParam + ".function.arguments") ?? "{}"));
            }
        }
        return parts;
    }

    private List<ToolDefinition>? ReadTools(JsonElement root, ref List<UnsupportedPart>? hostedTools)
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
            if (RequestJson.String(RequestJson.Object(tool, param), "type", param + ".type") is { } type and not "function")
            {
                (hostedTools ??= []).Add(new UnsupportedPart($"{type} tool") { Path = param });
                continue;
            }
            var function = RequestJson.Object(RequestJson.TryGet(tool, "function", out var f) ? f : default, param + ".function");
            tools.Add(new ToolDefinition(
                RequestJson.ToolName(function, param + ".function.name", $"'{param}.function.name' is required."),
                RequestJson.String(function, "description", param + ".function.description"),
                RequestJson.TryGet(function, "parameters", out var schema) ? RequestJson.Raw(RequestJson.Object(schema, param + ".function.parameters"), param + ".function.parameters") : "{\"type\":\"object\",\"properties\":{}}"));
        }
        return tools;
    }

    private ToolChoice? ReadToolChoice(JsonElement root)
    {
        if (!RequestJson.TryGet(root, "tool_choice", out var choice))
        {
            return null;
        }
        if (choice.ValueKind == JsonValueKind.String)
        {
            return RequestJson.StringValue(choice, "tool_choice") switch
            {
                "none" => new ToolChoice(ToolChoiceMode.None),
                "required" => new ToolChoice(ToolChoiceMode.Required),
                "auto" => new ToolChoice(ToolChoiceMode.Auto),
                _ => throw new RequestFieldException("tool_choice", "'tool_choice' must be none, auto, required or a named function."),
            };
        }
        var function = RequestJson.TryGet(RequestJson.Object(choice, "tool_choice"), "function", out var f) ? RequestJson.Object(f, "tool_choice.function") : default;
        var name = function.ValueKind == JsonValueKind.Object ? RequestJson.String(function, "name", "tool_choice.function.name") : null;
        return new ToolChoice(ToolChoiceMode.Named, name ?? throw new RequestFieldException("tool_choice.function.name", "'tool_choice.function.name' is required."));
    }

    private ResponseFormat? ReadResponseFormat(JsonElement root)
    {
        if (!RequestJson.TryGet(root, "response_format", out var format))
        {
            return null;
        }
        switch (RequestJson.String(RequestJson.Object(format, "response_format"), "type", "response_format.type"))
        {
            case "text":
                return new ResponseFormat(ResponseFormatKind.Text);
            case "json_object":
                return new ResponseFormat(ResponseFormatKind.JsonObject);
            case "json_schema":
                var schema = RequestJson.Object(RequestJson.TryGet(format, "json_schema", out var s) ? s : default, "response_format.json_schema");
                return new ResponseFormat(ResponseFormatKind.JsonSchema,
                    RequestJson.String(schema, "name", "response_format.json_schema.name"),
                    RequestJson.TryGet(schema, "schema", out var body) ? RequestJson.Raw(RequestJson.Object(body, "response_format.json_schema.schema"), "response_format.json_schema.schema") : null);
            default:
                throw new RequestFieldException("response_format.type", "'response_format.type' must be text, json_object or json_schema.");
        }
    }
}
