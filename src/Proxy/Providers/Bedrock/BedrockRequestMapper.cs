using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Providers.Bedrock;

/// <summary>
/// Writes a canonical request as a Bedrock Converse body
/// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html): alternating user/assistant
/// <c>messages</c> of content blocks (text, image bytes, toolUse, toolResult first in its user turn, signed
/// reasoning), <c>system</c>, <c>inferenceConfig</c>, <c>toolConfig</c> (a minimal one when the history holds tool
/// blocks but the request offers no tools, which Converse otherwise rejects), and <c>additionalModelRequestFields</c>
/// for what Converse lacks (Claude's thinking and top_k). A JSON answer format becomes a forced tool.
/// </summary>
internal static class BedrockRequestMapper
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(ChatRequest request, ProviderTarget target, IBufferWriter<byte> output, ILogger logger, out string? jsonToolName)
    {
        using var json = new Utf8JsonWriter(output, WriterOptions);
        jsonToolName = JsonAnswerTool.NameFor(request.ResponseFormat);
        // Thinking and top_k are Claude request fields; other Bedrock models reject unknown additional fields.
        var claude = target.Model.Contains("claude", StringComparison.OrdinalIgnoreCase);
        var budget = claude ? ThinkingBudget.ForClaude(request.Reasoning) : null;
        if (budget is not null && (jsonToolName is not null || request.ToolChoice?.Mode is ToolChoiceMode.Required or ToolChoiceMode.Named))
        {
            DroppedParameterLog.Write(logger, "bedrock", "reasoning", "extended thinking cannot be combined with a forced tool or a JSON answer format");
            budget = null;
        }
        if (request.Reasoning is not null && budget is null && !claude)
        {
            DroppedParameterLog.Write(logger, "bedrock", "reasoning", "only Claude models on Bedrock take a thinking budget");
        }

        json.WriteStartObject();
        var toolNames = WriteMessages(json, request.Messages);
        if (request.System is { Length: > 0 } system)
        {
            json.WriteStartArray("system"u8);
            json.WriteStartObject();
            json.WriteString("text"u8, system);
            json.WriteEndObject();
            json.WriteEndArray();
        }
        WriteInferenceConfig(json, request, target, budget, logger);
        WriteToolConfig(json, request, jsonToolName, toolNames, logger);
        if (budget is not null || (claude && request.TopK is not null))
        {
            json.WriteStartObject("additionalModelRequestFields"u8);
            if (budget is { } thinking)
            {
                json.WriteStartObject("thinking"u8);
                json.WriteString("type"u8, "enabled"u8);
                json.WriteNumber("budget_tokens"u8, thinking);
                json.WriteEndObject();
            }
            else if (request.TopK is { } topK)
            {
                json.WriteNumber("top_k"u8, topK);
            }
            json.WriteEndObject();
        }
        if (claude && request.Stop is { Count: > 0 })
        {
            // Converse says only "stop_sequence"; Claude's own answer names the sequence, and this asks for it back.
            json.WriteStartArray("additionalModelResponseFieldPaths"u8);
            json.WriteStringValue("/stop_sequence"u8);
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteInferenceConfig(Utf8JsonWriter json, ChatRequest request, ProviderTarget target, int? budget, ILogger logger)
    {
        json.WriteStartObject("inferenceConfig"u8);
        var maxTokens = request.MaxTokens ?? target.MaxTokensDefault;
        if (budget is { } thinking)
        {
            maxTokens = ThinkingBudget.MaxTokensWith(maxTokens ?? 4096, thinking);
        }
        if (maxTokens is { } max)
        {
            json.WriteNumber("maxTokens"u8, max);
        }
        if (budget is null)
        {
            if (request.Temperature is { } temperature)
            {
                json.WriteNumber("temperature"u8, Math.Min(1.0, temperature));
            }
            if (request.TopP is { } topP)
            {
                json.WriteNumber("topP"u8, topP);
            }
        }
        else if (request.Temperature is not null || request.TopP is not null)
        {
            DroppedParameterLog.Write(logger, "bedrock", "temperature/top_p", "not allowed with extended thinking");
        }
        if (request.Stop is { Count: > 0 } stop)
        {
            json.WriteStartArray("stopSequences"u8);
            foreach (var sequence in stop)
            {
                json.WriteStringValue(sequence);
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteToolConfig(Utf8JsonWriter json, ChatRequest request, string? jsonToolName, HashSet<string>? historyTools, ILogger logger)
    {
        var tools = request.Tools;
        if (jsonToolName is null && (tools is null || tools.Count == 0) && historyTools is null)
        {
            return;
        }
        json.WriteStartObject("toolConfig"u8);
        json.WriteStartArray("tools"u8);
        if (tools is { Count: > 0 })
        {
            foreach (var tool in tools)
            {
                WriteToolSpec(json, tool.Name, tool.Description, tool.ParametersJson);
            }
        }
        else if (historyTools is not null && jsonToolName is null)
        {
            // Converse rejects tool blocks in the history without a toolConfig; the tools the history used stand in.
            foreach (var name in historyTools)
            {
                WriteToolSpec(json, name, null, "{\"type\":\"object\"}");
            }
        }
        if (jsonToolName is not null)
        {
            WriteToolSpec(json, jsonToolName, JsonAnswerTool.Description, JsonAnswerTool.SchemaFor(request.ResponseFormat!));
        }
        json.WriteEndArray();
        var choice = request.ToolChoice;
        if (jsonToolName is not null || choice?.Mode is ToolChoiceMode.Required or ToolChoiceMode.Named or ToolChoiceMode.Auto)
        {
            json.WriteStartObject("toolChoice"u8);
            if (jsonToolName is not null || choice!.Mode == ToolChoiceMode.Named)
            {
                json.WriteStartObject("tool"u8);
                json.WriteString("name"u8, jsonToolName ?? choice!.Name);
                json.WriteEndObject();
            }
            else
            {
                json.WriteStartObject(choice.Mode == ToolChoiceMode.Required ? "any"u8 : "auto"u8);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        else if (choice?.Mode == ToolChoiceMode.None)
        {
            DroppedParameterLog.Write(logger, "bedrock", "tool_choice", "Converse has no 'none' tool choice; the model may still call a tool");
        }
        json.WriteEndObject();
    }

    private static void WriteToolSpec(Utf8JsonWriter json, string name, string? description, string schemaJson)
    {
        json.WriteStartObject();
        json.WriteStartObject("toolSpec"u8);
        json.WriteString("name"u8, name);
        if (description is not null)
        {
            json.WriteString("description"u8, description);
        }
        json.WriteStartObject("inputSchema"u8);
        json.WritePropertyName("json"u8);
        RawJson.Write(json, schemaJson);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static readonly TurnShape Turns = new("messages", "user", "assistant", "content");

    /// <summary>Writes the turns; returns the names of the tools the history used (null when it used none).</summary>
    private static HashSet<string>? WriteMessages(Utf8JsonWriter json, IReadOnlyList<ChatMessage> messages)
    {
        var names = new Names();
        AlternatingTurns.Write(json, messages, Turns, static (part, role) => IsWritten(part, role), (writer, part) =>
        {
            if (part is ToolCallPart call)
            {
                (names.Tools ??= new HashSet<string>(StringComparer.Ordinal)).Add(call.Name);
            }
            WriteBlock(writer, part, names);
        });
        return names.Tools;
    }

    /// <summary>Names one request has used: its history's tools, and its documents' (Converse rejects two documents of one name).</summary>
    private sealed class Names
    {
        private HashSet<string>? _documents;

        public HashSet<string>? Tools { get; set; }

        public string Document(string? title)
        {
            var name = DocumentName(title);
            var unique = name;
            for (var n = 2; !(_documents ??= new HashSet<string>(StringComparer.Ordinal)).Add(unique); n++)
            {
                unique = $"{name} ({n})";
            }
            return unique;
        }
    }

    /// <summary>What Converse cannot carry, for <see cref="ContentSupport"/>: media come as bytes (or from S3, which the proxy cannot reach).</summary>
    public static string? WhyNot(ContentPart part) => part switch
    {
        ImagePart { Data: null } => "Converse takes images as bytes, not by URL",
        DocumentPart { Url: not null } => "Converse takes documents as bytes, not by URL",
        DocumentPart { Data: not null } document when DocumentFormat(document.MediaType) is null => $"Converse takes no {document.MediaType} documents",
        AudioPart => "Converse takes no audio input",
        _ => null,
    };

    private static bool IsWritten(ContentPart part, ChatRole role) => part switch
    {
        TextPart text => text.Text.Length > 0,
        ReasoningPart reasoning => role == ChatRole.Assistant && reasoning.Signature is not null,
        _ => true,
    };

    private static void WriteBlock(Utf8JsonWriter json, ContentPart part, Names names)
    {
        json.WriteStartObject();
        switch (part)
        {
            case TextPart text:
                json.WriteString("text"u8, text.Text);
                break;
            case DocumentPart { Text: not null } document:
                json.WriteString("text"u8, document.TitledText);
                break;
            case ImagePart image:
                json.WriteStartObject("image"u8);
                json.WriteString("format"u8, ImageFormat(image.MediaType));
                json.WriteStartObject("source"u8);
                image.Data!.Write(json, "bytes"u8);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case DocumentPart document:
                // https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html
                json.WriteStartObject("document"u8);
                json.WriteString("format"u8, DocumentFormat(document.MediaType));
                json.WriteString("name"u8, names.Document(document.Title));
                json.WriteStartObject("source"u8);
                document.Data!.Write(json, "bytes"u8);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case ToolCallPart call:
                json.WriteStartObject("toolUse"u8);
                json.WriteString("toolUseId"u8, call.Id);
                json.WriteString("name"u8, call.Name);
                json.WritePropertyName("input"u8);
                JsonArguments.WriteObject(json, call.ArgumentsJson);
                json.WriteEndObject();
                break;
            case ToolResultPart result:
                json.WriteStartObject("toolResult"u8);
                json.WriteString("toolUseId"u8, result.ToolCallId);
                json.WriteStartArray("content"u8);
                var resultText = result.Text;
                if (resultText.Length > 0 || !result.HasMedia)
                {
                    json.WriteStartObject();
                    if (JsonArguments.IsObject(resultText))
                    {
                        json.WritePropertyName("json"u8);
                        JsonArguments.WriteObject(json, resultText);
                    }
                    else
                    {
                        json.WriteString("text"u8, resultText);
                    }
                    json.WriteEndObject();
                }
                foreach (var media in result.Media)
                {
                    WriteBlock(json, media, names); // images and documents: ToolResultContentBlock members too.
                }
                json.WriteEndArray();
                if (result.IsError)
                {
                    json.WriteString("status"u8, "error"u8);
                }
                json.WriteEndObject();
                break;
            case ReasoningPart reasoning:
                json.WriteStartObject("reasoningContent"u8);
                json.WriteStartObject("reasoningText"u8);
                json.WriteString("text"u8, reasoning.Text);
                json.WriteString("signature"u8, reasoning.Signature);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
        }
        json.WriteEndObject();
    }

    // Converse names the format (png, jpeg, gif, webp) where a data URL has its media type.
    private static string ImageFormat(string? mediaType) => mediaType switch
    {
        "image/jpeg" or "image/jpg" => "jpeg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        _ => "png",
    };

    private static string? DocumentFormat(string mediaType) => mediaType switch
    {
        "application/pdf" => "pdf",
        "text/csv" => "csv",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "text/html" => "html",
        "text/plain" => "txt",
        "text/markdown" => "md",
        _ => null,
    };

    // A document name may hold only letters, digits, single spaces, hyphens, parentheses and square brackets.
    private static string DocumentName(string? title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            return "document";
        }
        var name = new System.Text.StringBuilder(Math.Min(title.Length, 200));
        foreach (var c in title)
        {
            var kept = char.IsAsciiLetterOrDigit(c) || c is '-' or '(' or ')' or '[' or ']' ? c : ' ';
            if (name.Length < 200 && !(kept == ' ' && (name.Length == 0 || name[^1] == ' ')))
            {
                name.Append(kept);
            }
        }
        return name.Length == 0 ? "document" : name.ToString().TrimEnd();
    }
}
