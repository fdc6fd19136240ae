using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Providers.OpenAI;

/// <summary>
/// Writes a canonical request as a Chat Completions body (https://platform.openai.com/docs/api-reference/chat/create)
/// for clients of other dialects: system text as the first message, tool results as <c>tool</c> messages placed
/// right after the assistant turn that called them (their images and documents, which a tool message cannot hold,
/// follow in the next user message), images as <c>image_url</c> parts, PDFs as <c>file</c> parts, audio as
/// <c>input_audio</c>, text documents as text, streams with usage on.
/// </summary>
internal static class OpenAIRequestMapper
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>What Chat Completions cannot carry, for <see cref="ContentSupport"/>.</summary>
    public static string? WhyNot(ContentPart part) => part switch
    {
        DocumentPart { Url: not null } => "Chat Completions takes files inline (file_data), not by URL",
        // https://platform.openai.com/docs/guides/pdf-files: file inputs are PDFs; text documents go as text.
        DocumentPart { Data: not null, MediaType: not "application/pdf" } document => $"Chat Completions reads no {document.MediaType} files",
        _ => null,
    };

    /// <param name="host">
    /// What the host takes: <c>max_completion_tokens</c> for every model (OpenAI, Azure from api-version 2024-12), or
    /// <c>max_tokens</c> as other OpenAI-compatible servers read it (reasoning models get <c>max_completion_tokens</c>
    /// wherever they are); <c>stream_options</c>; <c>user</c>.
    /// </param>
    public static void Write(ChatRequest request, ProviderTarget target, IBufferWriter<byte> output, ILogger logger, OpenAIHost host)
    {
        var reasoningModel = target.ReasoningModel ?? OpenAIModelFamily.IsReasoning(target.Model);
        using var json = new Utf8JsonWriter(output, WriterOptions);
        json.WriteStartObject();
        json.WriteString("model"u8, target.Model);
        WriteMessages(json, request, systemRole: reasoningModel ? "developer"u8 : "system"u8);
        if ((request.MaxTokens ?? target.MaxTokensDefault) is { } maxTokens)
        {
            json.WriteNumber(reasoningModel || host.TakesMaxCompletionTokens ? "max_completion_tokens"u8 : "max_tokens"u8, maxTokens);
        }
        if (reasoningModel)
        {
            if (request.Temperature is not null || request.TopP is not null)
            {
                DroppedParameterLog.Write(logger, "openai", "temperature/top_p", "reasoning models accept only their default sampling");
            }
            if (ReasoningEffort(request.Reasoning) is { } effort)
            {
                json.WriteString("reasoning_effort"u8, effort);
            }
        }
        else
        {
            if (request.Temperature is { } temperature)
            {
                json.WriteNumber("temperature"u8, temperature);
            }
            if (request.TopP is { } topP)
            {
                json.WriteNumber("top_p"u8, topP);
            }
            if (request.Reasoning is not null)
            {
                // reasoning_effort fails with 400 on a model that does not reason (reasoningModel: true says it does).
                DroppedParameterLog.Write(logger, "openai", "reasoning", "not a reasoning model by its name or its deployment's reasoningModel");
            }
        }
        if (request.TopK is not null)
        {
            DroppedParameterLog.Write(logger, "openai", "top_k", "Chat Completions has no top_k");
        }
        if (request.Stop is { Count: > 0 } && reasoningModel)
        {
            DroppedParameterLog.Write(logger, "openai", "stop", "reasoning models (o3, o4-mini, gpt-5) take no stop sequences");
        }
        else if (request.Stop is { Count: > 0 } stop)
        {
            json.WriteStartArray("stop"u8);
            foreach (var sequence in stop)
            {
                json.WriteStringValue(sequence);
            }
            json.WriteEndArray();
        }
        if (request.User is { } user && host.TakesUser)
        {
            json.WriteString("user"u8, user);
        }
        WriteTools(json, request);
        WriteResponseFormat(json, request.ResponseFormat);
        if (request.Stream)
        {
            json.WriteBoolean("stream"u8, true);
            if (host.TakesStreamOptions)
            {
                json.WriteStartObject("stream_options"u8);
                json.WriteBoolean("include_usage"u8, true);
                json.WriteEndObject();
            }
        }
        json.WriteEndObject();
    }

    /// <summary>An effort word as given; a thinking budget as the effort that spends about as much (Claude's 1024/4096/16384 steps).</summary>
    private static string? ReasoningEffort(ReasoningRequest? reasoning) => reasoning switch
    {
        { Effort: { } effort } => effort,
        { BudgetTokens: <= 2048 } => "low",
        { BudgetTokens: <= 8192 } => "medium",
        { BudgetTokens: not null } => "high",
        _ => null,
    };

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
            RawJson.Write(json, tool.ParametersJson);
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
            RawJson.Write(json, format.SchemaJson ?? "{}");
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    // With o1 and newer reasoning models, developer messages replace system messages (API reference, messages).
    private static void WriteMessages(Utf8JsonWriter json, ChatRequest request, ReadOnlySpan<byte> systemRole)
    {
        json.WriteStartArray("messages"u8);
        if (request.System is { Length: > 0 } system)
        {
            json.WriteStartObject();
            json.WriteString("role"u8, systemRole);
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
            // Tool results answer the assistant turn just before: they go first, as tool messages (text only), then one
            // user message with the results' images and documents and the turn's own content.
            List<ContentPart>? media = null;
            foreach (var part in message.Parts)
            {
                if (part is ToolResultPart result)
                {
                    json.WriteStartObject();
                    json.WriteString("role"u8, "tool"u8);
                    json.WriteString("tool_call_id"u8, result.ToolCallId);
                    json.WriteString("content"u8, result.Text);
                    json.WriteEndObject();
                    if (result.HasMedia)
                    {
                        (media ??= []).AddRange(result.Media);
                    }
                }
            }
            if (media is not null)
            {
                if (message.Role == ChatRole.User)
                {
                    media.AddRange(message.Parts);
                }
                WriteUser(json, media);
            }
            else if (message.Role == ChatRole.User)
            {
                WriteUser(json, message.Parts);
            }
        }
        json.WriteEndArray();
    }

    private static bool IsUserContent(ContentPart part) => part is TextPart or ImagePart or DocumentPart or AudioPart;

    /// <summary>One user message of the parts that are user content (tool results are written before it); none when there are none.</summary>
    private static void WriteUser(Utf8JsonWriter json, IReadOnlyList<ContentPart> parts)
    {
        var count = 0;
        ContentPart? only = null;
        foreach (var part in parts)
        {
            if (IsUserContent(part))
            {
                count++;
                only = part;
            }
        }
        if (count == 0)
        {
            return;
        }
        json.WriteStartObject();
        json.WriteString("role"u8, "user"u8);
        if (count == 1 && only is TextPart onlyText)
        {
            json.WriteString("content"u8, onlyText.Text);
        }
        else
        {
            json.WriteStartArray("content"u8);
            foreach (var part in parts)
            {
                if (IsUserContent(part))
                {
                    WriteUserPart(json, part);
                }
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteUserPart(Utf8JsonWriter json, ContentPart part)
    {
        json.WriteStartObject();
        switch (part)
        {
            case TextPart text:
                WriteText(json, text.Text);
                break;
            case DocumentPart { Text: not null } document:
                WriteText(json, document.TitledText);
                break;
            case ImagePart image:
                json.WriteString("type"u8, "image_url"u8);
                json.WriteStartObject("image_url"u8);
                if (image.Url is not null)
                {
                    json.WriteString("url"u8, image.Url);
                }
                else
                {
                    image.Data!.WriteDataUrl(json, "url"u8, image.MediaType ?? "image/png");
                }
                json.WriteEndObject();
                break;
            case DocumentPart document:
                // https://platform.openai.com/docs/guides/pdf-files
                json.WriteString("type"u8, "file"u8);
                json.WriteStartObject("file"u8);
                json.WriteString("filename"u8, document.Title ?? "document.pdf");
                document.Data!.WriteDataUrl(json, "file_data"u8, document.MediaType);
                json.WriteEndObject();
                break;
            case AudioPart audio:
                json.WriteString("type"u8, "input_audio"u8);
                json.WriteStartObject("input_audio"u8);
                audio.Data.Write(json, "data"u8);
                json.WriteString("format"u8, audio.Format);
                json.WriteEndObject();
                break;
        }
        json.WriteEndObject();
    }

    private static void WriteText(Utf8JsonWriter json, string text)
    {
        json.WriteString("type"u8, "text"u8);
        json.WriteString("text"u8, text);
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
