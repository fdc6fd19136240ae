using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Providers.Gemini;

/// <summary>
/// Writes a canonical request as a Gemini <c>generateContent</c> body (https://ai.google.dev/api/generate-content):
/// turns as <c>contents</c> with roles user/model (consecutive turns of one role merged), system text as
/// <c>systemInstruction</c>, tools as <c>functionDeclarations</c> with their schema cut to Gemini's subset, tool
/// results as <c>functionResponse</c> parts named after the call they answer, images as <c>inlineData</c>, the rest
/// in <c>generationConfig</c>. A tool call's thought signature, carried in its id, goes back beside the call.
/// </summary>
internal static class GeminiRequestMapper
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(ChatRequest request, ProviderTarget target, IBufferWriter<byte> output, ILogger logger)
    {
        using var json = new Utf8JsonWriter(output, WriterOptions);
        json.WriteStartObject();
        WriteContents(json, request.Messages);
        if (request.System is { Length: > 0 } system)
        {
            json.WriteStartObject("systemInstruction"u8);
            json.WriteStartArray("parts"u8);
            json.WriteStartObject();
            json.WriteString("text"u8, system);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        WriteTools(json, request);
        WriteGenerationConfig(json, request, target);
        if (request.User is not null || request.ParallelToolCalls is not null)
        {
            DroppedParameterLog.Write(logger, "gemini", "user/parallel_tool_calls", "generateContent has no such field");
        }
        json.WriteEndObject();
    }

    // OpenAI's effort words as thinking budgets (Gemini 2.5 Flash allows up to 24576); minimal turns thinking off.
    private static int? ThinkingBudget(ReasoningRequest? reasoning) => reasoning switch
    {
        { BudgetTokens: { } budget } => budget,
        { Effort: "minimal" } => 0,
        { Effort: "low" } => 1024,
        { Effort: "medium" } => 8192,
        { Effort: "high" } => 24576,
        _ => null,
    };

    private static void WriteGenerationConfig(Utf8JsonWriter json, ChatRequest request, ProviderTarget target)
    {
        json.WriteStartObject("generationConfig"u8);
        if ((request.MaxTokens ?? target.MaxTokensDefault) is { } maxTokens)
        {
            json.WriteNumber("maxOutputTokens"u8, maxTokens);
        }
        if (request.Temperature is { } temperature)
        {
            json.WriteNumber("temperature"u8, temperature);
        }
        if (request.TopP is { } topP)
        {
            json.WriteNumber("topP"u8, topP);
        }
        if (request.TopK is { } topK)
        {
            json.WriteNumber("topK"u8, topK);
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
        if (request.ResponseFormat is { Kind: ResponseFormatKind.JsonObject or ResponseFormatKind.JsonSchema } format)
        {
            json.WriteString("responseMimeType"u8, "application/json"u8);
            if (format.SchemaJson is { } schema)
            {
                json.WritePropertyName("responseSchema"u8);
                using var document = RawJson.Parse(schema);
                GeminiSchema.Write(json, document.RootElement);
            }
        }
        if (ThinkingBudget(request.Reasoning) is { } budget)
        {
            json.WriteStartObject("thinkingConfig"u8);
            json.WriteNumber("thinkingBudget"u8, budget);
            json.WriteBoolean("includeThoughts"u8, budget > 0);
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
        json.WriteStartObject();
        json.WriteStartArray("functionDeclarations"u8);
        foreach (var tool in tools)
        {
            json.WriteStartObject();
            json.WriteString("name"u8, tool.Name);
            if (tool.Description is not null)
            {
                json.WriteString("description"u8, tool.Description);
            }
            using var schema = RawJson.Parse(tool.ParametersJson);
            // A function without parameters is declared without a schema: Gemini rejects an object with no properties.
            if (schema.RootElement.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object &&
                properties.EnumerateObject().MoveNext())
            {
                json.WritePropertyName("parameters"u8);
                GeminiSchema.Write(json, schema.RootElement);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        if (request.ToolChoice is { } choice)
        {
            json.WriteStartObject("toolConfig"u8);
            json.WriteStartObject("functionCallingConfig"u8);
            json.WriteString("mode"u8, choice.Mode switch { ToolChoiceMode.None => "NONE"u8, ToolChoiceMode.Auto => "AUTO"u8, _ => "ANY"u8 });
            if (choice is { Mode: ToolChoiceMode.Named, Name: { } name })
            {
                json.WriteStartArray("allowedFunctionNames"u8);
                json.WriteStringValue(name);
                json.WriteEndArray();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
    }

    private static readonly TurnShape Turns = new("contents", "user", "model", "parts");

    private static void WriteContents(Utf8JsonWriter json, IReadOnlyList<ChatMessage> messages)
    {
        // functionResponse parts are matched to their call by name, so the names of earlier calls are kept by id.
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        AlternatingTurns.Write(json, messages, Turns, static (part, _) => IsWritten(part), (writer, part) => WritePart(writer, part, callNames));
    }

    /// <summary>
    /// What generateContent cannot carry, for <see cref="ContentSupport"/>: Gemini reads media inline or from its own
    /// file store (https://ai.google.dev/gemini-api/docs/file-input-methods), so nothing by https URL.
    /// </summary>
    public static string? WhyNot(ContentPart part) => part switch
    {
        ImagePart { Data: null } => "Gemini takes images inline (base64), not by URL",
        DocumentPart { Url: not null } => "Gemini takes documents inline (base64), not by URL",
        // https://ai.google.dev/gemini-api/docs/document-processing: PDFs; other types as text.
        DocumentPart { Data: not null, MediaType: not ("application/pdf" or "text/plain") } document => $"Gemini reads no {document.MediaType} documents",
        _ => null,
    };

    /// <summary>
    /// FunctionDeclaration.name: letters, digits, underscores, dots, colons and dashes, at most 64, starting with a letter
    /// or an underscore (https://ai.google.dev/api/caching#FunctionDeclaration).
    /// </summary>
    public static readonly IdentifierRule FunctionNames =
        new(SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-"), 64, startsWithLetterOrUnderscore: true);

    // Thoughts are not sent back (their signature, on the call, stands for them).
    private static bool IsWritten(ContentPart part) => part switch
    {
        TextPart text => text.Text.Length > 0,
        ReasoningPart => false,
        _ => true,
    };

    // One canonical part is one Gemini part, but for a tool result with media: its images and documents follow its
    // functionResponse as inlineData parts of the same turn.
    private static void WritePart(Utf8JsonWriter json, ContentPart part, Dictionary<string, string> callNames)
    {
        if (part is ToolResultPart { HasMedia: true } result)
        {
            WriteSinglePart(json, result, callNames);
            foreach (var media in result.Media)
            {
                WriteSinglePart(json, media, callNames);
            }
            return;
        }
        WriteSinglePart(json, part, callNames);
    }

    private static void WriteSinglePart(Utf8JsonWriter json, ContentPart part, Dictionary<string, string> callNames)
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
                WriteInlineData(json, image.MediaType ?? "image/png", image.Data!);
                break;
            case DocumentPart document:
                WriteInlineData(json, document.MediaType, document.Data!);
                break;
            case AudioPart audio:
                WriteInlineData(json, "audio/" + audio.Format, audio.Data);
                break;
            case ToolCallPart call:
                callNames[call.Id] = call.Name;
                json.WriteStartObject("functionCall"u8);
                json.WriteString("name"u8, call.Name);
                json.WritePropertyName("args"u8);
                JsonArguments.WriteObject(json, call.ArgumentsJson);
                json.WriteEndObject();
                if (GeminiToolCallIds.SignatureOf(call.Id) is { } signature)
                {
                    json.WriteString("thoughtSignature"u8, signature);
                }
                break;
            case ToolResultPart result:
                json.WriteStartObject("functionResponse"u8);
                // A result whose call is not in the history is named after its id, made a name Gemini accepts.
                json.WriteString("name"u8, callNames.TryGetValue(result.ToolCallId, out var name) ? name : FunctionNames.Conform(result.ToolCallId));
                json.WritePropertyName("response"u8);
                WriteResponse(json, result);
                json.WriteEndObject();
                break;
        }
        json.WriteEndObject();
    }

    private static void WriteInlineData(Utf8JsonWriter json, string mimeType, InlineData data)
    {
        json.WriteStartObject("inlineData"u8);
        json.WriteString("mimeType"u8, mimeType);
        data.Write(json, "data"u8);
        json.WriteEndObject();
    }

    // functionResponse.response is an object: a tool's JSON object result as it is, anything else wrapped.
    private static void WriteResponse(Utf8JsonWriter json, ToolResultPart result)
    {
        var text = result.Text;
        if (!result.IsError && JsonArguments.IsObject(text))
        {
            JsonArguments.WriteObject(json, text);
            return;
        }
        json.WriteStartObject();
        json.WriteString(result.IsError ? "error"u8 : "result"u8, text);
        json.WriteEndObject();
    }
}
