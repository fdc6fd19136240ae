using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Writes the Response object (https://platform.openai.com/docs/api-reference/responses/object) and its output items:
/// the same bytes go to the client, into the stream's <c>response.*</c> events and into the store.
/// </summary>
internal static class ResponseObjectWriter
{
    /// <summary>The Response's status for an answer that ended: incomplete when a limit or a filter cut it short.</summary>
    public static string Status(ResponsesOutput output) => output.Finish is FinishReason.Length or FinishReason.ContentFilter ? "incomplete" : "completed";

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The Response object as UTF-8 JSON bytes: what the store keeps and the client receives.</summary>
    public static byte[] Render(ResponsesExchange exchange, ResponsesOutput output, string status, GatewayError? error, ReasoningSeal seal)
    {
        var buffer = new ArrayBufferWriter<byte>(1024 + EstimateOutput(output));
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            Write(json, exchange, output, status, error, seal);
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static int EstimateOutput(ResponsesOutput output)
    {
        var bytes = 0;
        foreach (var item in output.Items)
        {
            bytes += item.Text.WrittenCount + 256;
        }
        return bytes;
    }

    public static void Write(Utf8JsonWriter json, ResponsesExchange exchange, ResponsesOutput output, string status, GatewayError? error, ReasoningSeal seal)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, exchange.Id);
        json.WriteString("object"u8, "response"u8);
        json.WriteNumber("created_at"u8, exchange.CreatedAt);
        json.WriteString("status"u8, status);
        json.WriteBoolean("background"u8, exchange.Background);
        if (error is null)
        {
            json.WriteNull("error"u8);
        }
        else
        {
            json.WriteStartObject("error"u8);
            json.WriteString("code"u8, error.Code ?? "server_error");
            json.WriteString("message"u8, error.Message);
            json.WriteEndObject();
        }
        if (status == "incomplete")
        {
            json.WriteStartObject("incomplete_details"u8);
            json.WriteString("reason"u8, output.Finish == FinishReason.ContentFilter ? "content_filter"u8 : "max_output_tokens"u8);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("incomplete_details"u8);
        }
        json.WriteString("model"u8, exchange.Model);
        json.WriteStartArray("output"u8);
        if (status is not ("in_progress" or "queued"))
        {
            foreach (var item in output.Items)
            {
                WriteItem(json, item, ItemStatus(item, output, status), seal);
            }
        }
        json.WriteEndArray();
        json.WriteString("previous_response_id"u8, exchange.PreviousResponseId);
        json.WriteBoolean("store"u8, exchange.Store);
        exchange.Echo.Write(json);
        if (output.Usage is { } usage && status is not ("in_progress" or "queued"))
        {
            WriteUsage(json, usage);
        }
        else
        {
            json.WriteNull("usage"u8);
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// One output item. A reasoning item carries <c>encrypted_content</c> whenever its provider signed it: the signature
    /// must come back on the next turn (Anthropic refuses a tool-use continuation without its thinking), and a client
    /// that did not ask for it ignores it.
    /// </summary>
    public static void WriteItem(Utf8JsonWriter json, OutputItem item, string status, ReasoningSeal seal)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, item.Id);
        switch (item.Kind)
        {
            case OutputItemKind.Message:
                json.WriteString("type"u8, "message"u8);
                json.WriteString("status"u8, status);
                json.WriteStartArray("content"u8);
                WriteTextPart(json, item.Text.WrittenSpan);
                json.WriteEndArray();
                json.WriteString("role"u8, "assistant"u8);
                break;
            case OutputItemKind.FunctionCall:
                json.WriteString("type"u8, "function_call"u8);
                json.WriteString("status"u8, status);
                // A call the provider gave no arguments takes an empty object, as OpenAI sends it: arguments always parse.
                json.WriteString("arguments"u8, item.Text.WrittenCount == 0 ? "{}"u8 : item.Text.WrittenSpan);
                json.WriteString("call_id"u8, item.CallId);
                json.WriteString("name"u8, item.Name);
                break;
            case OutputItemKind.Reasoning:
                json.WriteString("type"u8, "reasoning"u8);
                json.WriteStartArray("summary"u8);
                if (item.Text.WrittenCount > 0)
                {
                    WriteSummaryPart(json, item.Text.WrittenSpan);
                }
                json.WriteEndArray();
                if (item.Signature is not null)
                {
                    item.Sealed ??= seal.Seal(ReasoningSeal.ReasoningKind, System.Text.Encoding.UTF8.GetString(item.Text.WrittenSpan),
                        System.Text.Encoding.UTF8.GetString(item.Signature));
                    json.WriteString("encrypted_content"u8, item.Sealed);
                }
                break;
        }
        json.WriteEndObject();
    }

    public static void WriteTextPart(Utf8JsonWriter json, ReadOnlySpan<byte> text)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "output_text"u8);
        json.WriteStartArray("annotations"u8);
        json.WriteEndArray();
        json.WriteStartArray("logprobs"u8);
        json.WriteEndArray();
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }

    public static void WriteSummaryPart(Utf8JsonWriter json, ReadOnlySpan<byte> text)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "summary_text"u8);
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }

    // https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
    public static void WriteUsage(Utf8JsonWriter json, in TokenUsage usage)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("input_tokens"u8, usage.InputTokens);
        json.WriteStartObject("input_tokens_details"u8);
        json.WriteNumber("cached_tokens"u8, usage.CachedInputTokens);
        json.WriteEndObject();
        json.WriteNumber("output_tokens"u8, usage.OutputTokens);
        json.WriteStartObject("output_tokens_details"u8);
        json.WriteNumber("reasoning_tokens"u8, usage.ReasoningTokens);
        json.WriteEndObject();
        json.WriteNumber("total_tokens"u8, usage.TotalTokens);
        json.WriteEndObject();
    }

    /// <summary>An item's status in a Response of <paramref name="responseStatus"/>: the last item of an answer cut short is itself incomplete; every other one finished.</summary>
    public static string ItemStatus(OutputItem item, ResponsesOutput output, string responseStatus) =>
        responseStatus == "completed" || item != output.Current ? "completed" : "incomplete";
}
