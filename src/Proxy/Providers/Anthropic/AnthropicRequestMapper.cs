using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Providers.Anthropic;

/// <summary>
/// Writes a canonical request as an Anthropic Messages body (https://docs.anthropic.com/en/api/messages): system
/// text to the top-level <c>system</c>, consecutive turns of one role merged (the API wants user and assistant to
/// alternate, and tool results are user turns), <c>max_tokens</c> always set, tools, tool choice, images and
/// documents (in turns and in tool results), thinking.
/// A JSON answer format becomes a forced tool whose input is the answer (see <see cref="AnthropicAnswerTranslator"/>).
/// </summary>
internal static class AnthropicRequestMapper
{
    /// <summary>Used when neither the client nor the deployment (<c>maxTokensDefault</c>) gave a limit; Anthropic requires one.</summary>
    public const int FallbackMaxTokens = 4096;
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>What the Messages API cannot carry, for <see cref="ContentSupport"/>.</summary>
    public static string? WhyNot(ContentPart part) => part switch
    {
        AudioPart => "Claude takes no audio input",
        // https://docs.anthropic.com/en/docs/build-with-claude/pdf-support: documents as bytes are PDFs; others go as text.
        DocumentPart { Data: not null, MediaType: not "application/pdf" } document => $"Claude reads no {document.MediaType} documents",
        _ => null,
    };

    /// <summary>Writes the body; <paramref name="jsonToolName"/> is the forced tool that carries a JSON answer, if any.</summary>
    public static void Write(ChatRequest request, ProviderTarget target, IBufferWriter<byte> output, ILogger logger, out string? jsonToolName)
    {
        using var json = new Utf8JsonWriter(output, WriterOptions);
        jsonToolName = JsonAnswerTool.NameFor(request.ResponseFormat);
        var forcedTool = jsonToolName is not null || request.ToolChoice?.Mode is ToolChoiceMode.Required or ToolChoiceMode.Named;
        var budget = ThinkingBudget.ForClaude(request.Reasoning);
        if (budget is not null && forcedTool)
        {
            // The API allows only tool_choice auto or none with extended thinking.
            DroppedParameterLog.Write(logger, "anthropic", "reasoning", "extended thinking cannot be combined with a forced tool or a JSON answer format");
            budget = null;
        }
        var maxTokens = request.MaxTokens ?? target.MaxTokensDefault ?? FallbackMaxTokens;
        if (budget is { } thinkingTokens)
        {
            maxTokens = ThinkingBudget.MaxTokensWith(maxTokens, thinkingTokens);
        }

        json.WriteStartObject();
        json.WriteString("model"u8, target.Model);
        json.WriteNumber("max_tokens"u8, maxTokens);
        if (request.System is { Length: > 0 } system)
        {
            json.WriteString("system"u8, system);
        }
        WriteMessages(json, request.Messages, logger);
        WriteSampling(json, request, thinking: budget is not null, logger);
        if (request.Stop is { Count: > 0 } stop)
        {
            json.WriteStartArray("stop_sequences"u8);
            foreach (var sequence in stop)
            {
                json.WriteStringValue(sequence);
            }
            json.WriteEndArray();
        }
        if (request.User is { } user)
        {
            json.WriteStartObject("metadata"u8);
            json.WriteString("user_id"u8, user);
            json.WriteEndObject();
        }
        WriteTools(json, request, jsonToolName);
        if (budget is { } thinkingBudget)
        {
            json.WriteStartObject("thinking"u8);
            json.WriteString("type"u8, "enabled"u8);
            json.WriteNumber("budget_tokens"u8, thinkingBudget);
            json.WriteEndObject();
        }
        if (request.Stream)
        {
            json.WriteBoolean("stream"u8, true);
        }
        json.WriteEndObject();
    }

    private static void WriteSampling(Utf8JsonWriter json, ChatRequest request, bool thinking, ILogger logger)
    {
        if (thinking && (request.Temperature is not null || request.TopP is not null || request.TopK is not null))
        {
            // With thinking the API accepts only its own sampling defaults.
            DroppedParameterLog.Write(logger, "anthropic", "temperature/top_p/top_k", "not allowed with extended thinking");
            return;
        }
        if (request.Temperature is { } temperature)
        {
            // OpenAI's range is 0-2, Anthropic's 0-1.
            json.WriteNumber("temperature"u8, Math.Min(1.0, temperature));
        }
        if (request.TopP is { } topP)
        {
            json.WriteNumber("top_p"u8, topP);
        }
        if (request.TopK is { } topK)
        {
            json.WriteNumber("top_k"u8, topK);
        }
    }

    private static void WriteTools(Utf8JsonWriter json, ChatRequest request, string? jsonToolName)
    {
        var tools = request.Tools;
        var choice = request.ToolChoice;
        if (jsonToolName is null && (tools is null || tools.Count == 0))
        {
            return;
        }
        json.WriteStartArray("tools"u8);
        if (tools is not null)
        {
            foreach (var tool in tools)
            {
                WriteTool(json, tool.Name, tool.Description, tool.ParametersJson);
            }
        }
        if (jsonToolName is not null)
        {
            WriteTool(json, jsonToolName, JsonAnswerTool.Description, JsonAnswerTool.SchemaFor(request.ResponseFormat!));
        }
        json.WriteEndArray();

        json.WriteStartObject("tool_choice"u8);
        if (jsonToolName is not null)
        {
            json.WriteString("type"u8, "tool"u8);
            json.WriteString("name"u8, jsonToolName);
        }
        else
        {
            json.WriteString("type"u8, choice?.Mode switch
            {
                ToolChoiceMode.None => "none"u8,
                ToolChoiceMode.Required => "any"u8,
                ToolChoiceMode.Named => "tool"u8,
                _ => "auto"u8,
            });
            if (choice is { Mode: ToolChoiceMode.Named, Name: { } name })
            {
                json.WriteString("name"u8, name);
            }
        }
        if (request.ParallelToolCalls == false && choice?.Mode != ToolChoiceMode.None)
        {
            json.WriteBoolean("disable_parallel_tool_use"u8, true);
        }
        json.WriteEndObject();
    }

    private static void WriteTool(Utf8JsonWriter json, string name, string? description, string schemaJson)
    {
        json.WriteStartObject();
        json.WriteString("name"u8, name);
        if (description is not null)
        {
            json.WriteString("description"u8, description);
        }
        json.WritePropertyName("input_schema"u8);
        RawJson.Write(json, schemaJson);
        json.WriteEndObject();
    }

    private static readonly TurnShape Turns = new("messages", "user", "assistant", "content");

    private static void WriteMessages(Utf8JsonWriter json, IReadOnlyList<ChatMessage> messages, ILogger logger) =>
        AlternatingTurns.Write(json, messages, Turns, (part, role) => IsWritten(part, role, logger), WritePart);

    // The API rejects empty text blocks, and thinking it did not sign (it cannot check where it came from).
    private static bool IsWritten(ContentPart part, ChatRole role, ILogger logger)
    {
        switch (part)
        {
            case TextPart text:
                return text.Text.Length > 0;
            case ReasoningPart reasoning when role != ChatRole.Assistant || reasoning.Signature is null:
                DroppedParameterLog.Write(logger, "anthropic", "reasoning_content", "Anthropic accepts only thinking it signed");
                return false;
            default:
                return true;
        }
    }

    private static void WritePart(Utf8JsonWriter json, ContentPart part)
    {
        json.WriteStartObject();
        switch (part)
        {
            case TextPart text:
                json.WriteString("type"u8, "text"u8);
                json.WriteString("text"u8, text.Text);
                break;
            case ImagePart image:
                json.WriteString("type"u8, "image"u8);
                json.WriteStartObject("source"u8);
                if (image.Data is not null)
                {
                    json.WriteString("type"u8, "base64"u8);
                    json.WriteString("media_type"u8, image.MediaType ?? "image/png");
                    image.Data.Write(json, "data"u8);
                }
                else
                {
                    json.WriteString("type"u8, "url"u8);
                    json.WriteString("url"u8, image.Url);
                }
                json.WriteEndObject();
                break;
            case DocumentPart document:
                // https://docs.anthropic.com/en/docs/build-with-claude/pdf-support
                json.WriteString("type"u8, "document"u8);
                json.WriteStartObject("source"u8);
                if (document.Data is not null)
                {
                    json.WriteString("type"u8, "base64"u8);
                    json.WriteString("media_type"u8, document.MediaType);
                    document.Data.Write(json, "data"u8);
                }
                else if (document.Text is not null)
                {
                    json.WriteString("type"u8, "text"u8);
                    json.WriteString("media_type"u8, "text/plain"u8);
                    json.WriteString("data"u8, document.Text);
                }
                else
                {
                    json.WriteString("type"u8, "url"u8);
                    json.WriteString("url"u8, document.Url);
                }
                json.WriteEndObject();
                if (document.Title is not null)
                {
                    json.WriteString("title"u8, document.Title);
                }
                break;
            case ToolCallPart call:
                json.WriteString("type"u8, "tool_use"u8);
                json.WriteString("id"u8, call.Id);
                json.WriteString("name"u8, call.Name);
                json.WritePropertyName("input"u8);
                JsonArguments.WriteObject(json, call.ArgumentsJson);
                break;
            case ToolResultPart result:
                json.WriteString("type"u8, "tool_result"u8);
                json.WriteString("tool_use_id"u8, result.ToolCallId);
                if (result.HasMedia)
                {
                    json.WriteStartArray("content"u8);
                    foreach (var inner in result.Content)
                    {
                        if (inner is not TextPart { Text.Length: 0 }) // the API rejects empty text blocks.
                        {
                            WritePart(json, inner);
                        }
                    }
                    json.WriteEndArray();
                }
                else
                {
                    json.WriteString("content"u8, result.Text);
                }
                if (result.IsError)
                {
                    json.WriteBoolean("is_error"u8, true);
                }
                break;
            case ReasoningPart reasoning:
                json.WriteString("type"u8, "thinking"u8);
                json.WriteString("thinking"u8, reasoning.Text);
                json.WriteString("signature"u8, reasoning.Signature);
                break;
        }
        json.WriteEndObject();
    }
}
