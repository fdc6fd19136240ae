using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Providers.OpenAI;

/// <summary>
/// Writes a canonical request as a Chat Completions body (https://platform.openai.com/docs/api-reference/chat/create)
/// for clients of other dialects: system text as the first message, tool results as <c>tool</c> messages placed
/// right after the assistant turn that called them, images as <c>image_url</c> parts, streams with usage on.
/// </summary>
internal static class OpenAIRequestMapper
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="maxCompletionTokens">
    /// Write the limit as <c>max_completion_tokens</c> (OpenAI and Azure, where reasoning models reject
    /// <c>max_tokens</c>) rather than <c>max_tokens</c> (what OpenAI-compatible servers read).
    /// </param>
    public static void Write(ChatRequest request, ProviderTarget target, IBufferWriter<byte> output, ILogger logger, bool maxCompletionTokens)
    {
        using var json = new Utf8JsonWriter(output, WriterOptions);
        json.WriteStartObject();
        json.WriteString("model"u8, target.Model);
        WriteMessages(json, request);
        if ((request.MaxTokens ?? target.MaxTokensDefault) is { } maxTokens)
        {
            json.WriteNumber(maxCompletionTokens ? "max_completion_tokens"u8 : "max_tokens"u8, maxTokens);
        }
        if (request.Temperature is { } temperature)
        {
            json.WriteNumber("temperature"u8, temperature);
        }
        if (request.TopP is { } topP)
        {
            json.WriteNumber("top_p"u8, topP);
        }
        if (request.TopK is not null)
        {
            DroppedParameterLog.Write(logger, "openai", "top_k", "Chat Completions has no top_k");
        }
        if (request.Reasoning is not null)
        {
            // reasoning_effort fails with 400 on models that do not reason, and the proxy cannot tell which do.
            DroppedParameterLog.Write(logger, "openai", "thinking", "a thinking budget has no Chat Completions equivalent that every model accepts");
        }
        if (request.Stop is { Count: > 0 } stop)
        {
            json.WriteStartArray("stop"u8);
            foreach (var sequence in stop)
            {
                json.WriteStringValue(sequence);
            }
            json.WriteEndArray();
        }
        if (request.User is { } user)
        {
            json.WriteString("user"u8, user);
        }
        WriteTools(json, request);
        WriteResponseFormat(json, request.ResponseFormat);
        if (request.Stream)
        {
            json.WriteBoolean("stream"u8, true);
            json.WriteStartObject("stream_options"u8);
            json.WriteBoolean("include_usage"u8, true);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter json, ChatRequest request)
    {
        if (request.Tools is not { Count: > 0 } tools)
        {
            return;
        }
        json.WriteStartArray("tools"u8);
        foreach (var tool in tools)
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "function"u8);
            json.WriteStartObject("function"u8);
            json.WriteString("name"u8, tool.Name);
            if (tool.Description is not null)
            {
                json.WriteString("description"u8, tool.Description);
            }
            json.WritePropertyName("parameters"u8);
            json.WriteRawValue(tool.ParametersJson);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        switch (request.ToolChoice)
        {
            case { Mode: ToolChoiceMode.Named, Name: { } name }:
                json.WriteStartObject("tool_choice"u8);
                json.WriteString("type"u8, "function"u8);
                json.WriteStartObject("function"u8);
                json.WriteString("name"u8, name);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case { Mode: var mode }:
                json.WriteString("tool_choice"u8, mode switch { ToolChoiceMode.None => "none"u8, ToolChoiceMode.Required => "required"u8, _ => "auto"u8 });
                break;
        }
        if (request.ParallelToolCalls is { } parallel)
        {
            json.WriteBoolean("parallel_tool_calls"u8, parallel);
        }
    }

    private static void WriteResponseFormat(Utf8JsonWriter json, ResponseFormat? format)
    {
        if (format is null || format.Kind == ResponseFormatKind.Text)
        {
            return;
        }
        json.WriteStartObject("response_format"u8);
        if (format.Kind == ResponseFormatKind.JsonObject)
        {
            json.WriteString("type"u8, "json_object"u8);
        }
        else
        {
            json.WriteString("type"u8, "json_schema"u8);
            json.WriteStartObject("json_schema"u8);
            json.WriteString("name"u8, format.Name ?? "response");
            json.WritePropertyName("schema"u8);
            json.WriteRawValue(format.SchemaJson ?? "{}");
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteMessages(Utf8JsonWriter json, ChatRequest request)
    {
        json.WriteStartArray("messages"u8);
        if (request.System is { Length: > 0 } system)
        {
            json.WriteStartObject();
            json.WriteString("role"u8, "system"u8);
            json.WriteString("content"u8, system);
            json.WriteEndObject();
        }
        foreach (var message in request.Messages)
        {
            if (message.Role == ChatRole.Assistant)
            {
                WriteAssistant(json, message.Parts);
                continue;
            }
            // Tool results answer the assistant turn just before: they go first, as tool messages, then any user content.
            foreach (var part in message.Parts)
            {
                if (part is ToolResultPart result)
                {
                    json.WriteStartObject();
                    json.WriteString("role"u8, "tool"u8);
                    json.WriteString("tool_call_id"u8, result.ToolCallId);
                    json.WriteString("content"u8, result.Content);
                    json.WriteEndObject();
                }
            }
            if (message.Role == ChatRole.User)
            {
                WriteUser(json, message.Parts);
            }
        }
        json.WriteEndArray();
    }

    private static void WriteUser(Utf8JsonWriter json, IReadOnlyList<ContentPart> parts)
    {
        var count = 0;
        TextPart? onlyText = null;
        foreach (var part in parts)
        {
            if (part is TextPart or ImagePart)
            {
                count++;
                onlyText = part as TextPart;
            }
        }
        if (count == 0)
        {
            return;
        }
        json.WriteStartObject();
        json.WriteString("role"u8, "user"u8);
        if (count == 1 && onlyText is not null)
        {
            json.WriteString("content"u8, onlyText.Text);
        }
        else
        {
            json.WriteStartArray("content"u8);
            foreach (var part in parts)
            {
                WriteUserPart(json, part);
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteUserPart(Utf8JsonWriter json, ContentPart part)
    {
        if (part is TextPart text)
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "text"u8);
            json.WriteString("text"u8, text.Text);
            json.WriteEndObject();
        }
        else if (part is ImagePart image)
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "image_url"u8);
            json.WriteStartObject("image_url"u8);
            json.WriteString("url"u8, image.Url ?? $"data:{image.MediaType ?? "image/png"};base64,{image.Data}");
            json.WriteEndObject();
            json.WriteEndObject();
        }
    }

    // Reasoning from an earlier turn is not sent back: Chat Completions has no input field for it.
    private static void WriteAssistant(Utf8JsonWriter json, IReadOnlyList<ContentPart> parts)
    {
        json.WriteStartObject();
        json.WriteString("role"u8, "assistant"u8);
        string? text = null;
        var hasCalls = false;
        foreach (var part in parts)
        {
            if (part is TextPart textPart)
            {
                text = text is null ? textPart.Text : text + textPart.Text;
            }
            hasCalls |= part is ToolCallPart;
        }
        if (text is null)
        {
            json.WriteNull("content"u8);
        }
        else
        {
            json.WriteString("content"u8, text);
        }
        if (hasCalls)
        {
            json.WriteStartArray("tool_calls"u8);
            foreach (var part in parts)
            {
                if (part is ToolCallPart call)
                {
                    json.WriteStartObject();
                    json.WriteString("id"u8, call.Id);
                    json.WriteString("type"u8, "function"u8);
                    json.WriteStartObject("function"u8);
                    json.WriteString("name"u8, call.Name);
                    json.WriteString("arguments"u8, call.ArgumentsJson.Length == 0 ? "{}" : call.ArgumentsJson);
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }
}
