using System.Runtime.InteropServices;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Storage;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Reads a Responses API body (https://platform.openai.com/docs/api-reference/responses/create) into the canonical
/// request, for providers that do not speak Responses natively: the conversation is the stored responses it continues
/// (their input items, then their output, oldest first), then <c>input</c>; <c>instructions</c> is the system text;
/// function tools, <c>tool_choice</c>, <c>text.format</c>, <c>reasoning.effort</c>, sampling and limits map to their
/// canonical fields. Hosted tools (web_search, file_search...) are kept as <see cref="UnsupportedPart"/>s that a
/// translating provider refuses by name. It also fills the <see cref="ResponsesExchange"/>: the parameters the answer
/// echoes and the input items the store keeps. Parameters with no canonical meaning are listed in
/// <see cref="ChatRequest.Ignored"/>.
/// </summary>
internal sealed class ResponsesRequestReader(ReadOnlyMemory<byte> body, ResponsesExchange exchange, IReadOnlyList<StoredResponse> history, ReasoningSeal seal)
{
    public static bool TryRead(ReadOnlyMemory<byte> body, ResponsesExchange exchange, IReadOnlyList<StoredResponse> history, ReasoningSeal seal,
        out ChatRequest? request, out GatewayError? error)
        => RequestDocument.TryRead(body, new ResponsesRequestReader(body, exchange, history, seal).Read, out request, out error);

    private ChatRequest Read(JsonElement root)
    {
        var conversation = new ResponsesConversation(seal);
        conversation.AddInstructions(root);
        foreach (var stored in history)
        {
            conversation.AddStored(stored);
        }
        if (!conversation.AddInput(root, body, out var input))
        {
            throw new RequestFieldException("input", "'input' is required: a string, or an array of input items.");
        }
        var messages = conversation.Messages;
        if (messages.Count == 0)
        {
            throw new RequestFieldException("input", "'input' must hold at least one user message, assistant item or tool output.");
        }
        if (exchange.Store)
        {
            exchange.InputItems = ResponsesInputItems.Normalize(input);
        }
        ValidateInclude(root); // encrypted_content is sent whenever a provider signed its reasoning, asked for or not
        RequestJson.String(root, "truncation", "truncation");
        if (RequestJson.TryGet(root, "metadata", out var metadata))
        {
            RequestJson.Object(metadata, "metadata");
        }
        List<string>? ignored = null;
        foreach (var property in root.EnumerateObject())
        {
            // The name as sent, without making a string of it: only a name that escapes characters is unescaped.
            var raw = JsonMarshal.GetRawUtf8PropertyName(property);
            var name = raw.IndexOf((byte)'\\') < 0 ? raw : System.Text.Encoding.UTF8.GetBytes(property.Name);
            if (!exchange.Echo.TryTake(name, property.Value, body) && !IsRead(name) && property.Value.ValueKind != JsonValueKind.Null)
            {
                (ignored ??= []).Add(property.Name);
            }
        }
        List<UnsupportedPart>? hostedTools = null;
        var reasoning = RequestJson.TryGet(root, "reasoning", out var reasoningJson) ? RequestJson.Object(reasoningJson, "reasoning") : default;
        return new ChatRequest
        {
            System = conversation.System,
            Messages = messages,
            MaxTokens = RequestJson.PositiveInt(root, "max_output_tokens", "max_output_tokens"),
            Temperature = RequestJson.Number(root, "temperature", "temperature", 0, 2),
            TopP = RequestJson.Number(root, "top_p", "top_p", 0, 1),
            User = RequestJson.String(root, "safety_identifier", "safety_identifier") ?? RequestJson.String(root, "user", "user"),
            Tools = OnlyAllowed(ReadTools(root, ref hostedTools), root),
            UnsupportedTools = hostedTools,
            ToolChoice = ReadToolChoice(root),
            ParallelToolCalls = RequestJson.Bool(root, "parallel_tool_calls", "parallel_tool_calls"),
            ResponseFormat = ReadFormat(root),
            Reasoning = reasoning.ValueKind == JsonValueKind.Object && RequestJson.String(reasoning, "effort", "reasoning.effort") is { } effort
                ? new ReasoningRequest(effort, null) : null,
            Stream = RequestJson.Bool(root, "stream", "stream") ?? false,
            Ignored = ignored,
            SizeHint = body.Length,
        };
    }

    // Read here or by the dialect (model, stream, store, previous_response_id, include, background) though not echoed.
    private static bool IsRead(ReadOnlySpan<byte> name) => name.SequenceEqual("model"u8) || name.SequenceEqual("input"u8) || name.SequenceEqual("stream"u8)
        || name.SequenceEqual("store"u8) || name.SequenceEqual("previous_response_id"u8) || name.SequenceEqual("include"u8) || name.SequenceEqual("background"u8);

    private static void ValidateInclude(JsonElement root)
    {
        if (!RequestJson.TryGet(root, "include", out var include))
        {
            return;
        }
        var index = 0;
        foreach (var item in RequestJson.Array(include, "include").EnumerateArray())
        {
            var param = $"include[{index++}]";
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new RequestFieldException(param, $"'{param}' must be a string.");
            }
            RequestJson.StringValue(item, param);
        }
    }

    // Responses function tools are flat: {"type":"function","name","description","parameters","strict"}.
    private static List<ToolDefinition>? ReadTools(JsonElement root, ref List<UnsupportedPart>? hostedTools)
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
            var type = RequestJson.String(RequestJson.Object(tool, param), "type", param + ".type")
                ?? throw new RequestFieldException(param + ".type", $"'{param}.type' is required.");
            if (type != "function")
            {
                (hostedTools ??= []).Add(new UnsupportedPart($"{ErrorText.Quote(type)} tool") { Path = param });
                continue;
            }
            tools.Add(new ToolDefinition(
                RequestJson.ToolName(tool, param + ".name", $"'{param}.name' is required."),
                RequestJson.String(tool, "description", param + ".description"),
                RequestJson.TryGet(tool, "parameters", out var schema) ? RequestJson.Raw(RequestJson.Object(schema, param + ".parameters"), param + ".parameters")
                    : "{\"type\":\"object\",\"properties\":{}}"));
        }
        return tools;
    }

    private static ToolChoice? ReadToolChoice(JsonElement root)
    {
        if (!RequestJson.TryGet(root, "tool_choice", out var choice))
        {
            return null;
        }
        if (choice.ValueKind == JsonValueKind.String)
        {
            return Mode(RequestJson.StringValue(choice, "tool_choice"), "tool_choice");
        }
        switch (RequestJson.String(RequestJson.Object(choice, "tool_choice"), "type", "tool_choice.type"))
        {
            case "function":
                return new ToolChoice(ToolChoiceMode.Named, RequestJson.String(choice, "name", "tool_choice.name")
                    ?? throw new RequestFieldException("tool_choice.name", "'tool_choice.name' is required."));
            case "allowed_tools":
                return Mode(RequestJson.String(choice, "mode", "tool_choice.mode") ?? "auto", "tool_choice.mode");
            case var other:
                throw new RequestFieldException("tool_choice.type",
                    $"'tool_choice.type' {ErrorText.Quote(other)} is not one this proxy can carry: use none, auto, required, a function or allowed_tools.");
        }
    }

    // tool_choice {"type":"allowed_tools","tools":[{"type":"function","name"}...]} limits the model to those tools: the
    // others are not offered to a translating provider at all.
    private static List<ToolDefinition>? OnlyAllowed(List<ToolDefinition>? tools, JsonElement root)
    {
        if (tools is null || !RequestJson.TryGet(root, "tool_choice", out var choice) || choice.ValueKind != JsonValueKind.Object
            || RequestJson.String(choice, "type", "tool_choice.type") != "allowed_tools" || !RequestJson.TryGet(choice, "tools", out var allowedJson))
        {
            return tools;
        }
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var tool in RequestJson.Array(allowedJson, "tool_choice.tools").EnumerateArray())
        {
            var param = $"tool_choice.tools[{index++}]";
            if (RequestJson.String(RequestJson.Object(tool, param), "name", param + ".name") is { } name)
            {
                allowed.Add(name);
            }
        }
        var kept = new List<ToolDefinition>(tools.Count);
        foreach (var tool in tools)
        {
            if (allowed.Contains(tool.Name))
            {
                kept.Add(tool);
            }
        }
        return kept;
    }

    private static ToolChoice Mode(string mode, string param) => mode switch
    {
        "none" => new ToolChoice(ToolChoiceMode.None),
        "required" => new ToolChoice(ToolChoiceMode.Required),
        "auto" => new ToolChoice(ToolChoiceMode.Auto),
        _ => throw new RequestFieldException(param, $"'{param}' must be none, auto or required."),
    };

    // text.format is flat in Responses: {"type":"json_schema","name","schema","strict"}.
    private static ResponseFormat? ReadFormat(JsonElement root)
    {
        if (!RequestJson.TryGet(root, "text", out var text) || !RequestJson.TryGet(RequestJson.Object(text, "text"), "format", out var format))
        {
            return null;
        }
        return RequestJson.String(RequestJson.Object(format, "text.format"), "type", "text.format.type") switch
        {
            "text" => new ResponseFormat(ResponseFormatKind.Text),
            "json_object" => new ResponseFormat(ResponseFormatKind.JsonObject),
            "json_schema" => new ResponseFormat(ResponseFormatKind.JsonSchema, RequestJson.String(format, "name", "text.format.name"),
                RequestJson.TryGet(format, "schema", out var schema) ? RequestJson.Raw(RequestJson.Object(schema, "text.format.schema"), "text.format.schema")
                : throw new RequestFieldException("text.format.schema", "'text.format.schema' is required for json_schema.")),
            _ => throw new RequestFieldException("text.format.type", "'text.format.type' must be text, json_object or json_schema."),
        };
    }
}
