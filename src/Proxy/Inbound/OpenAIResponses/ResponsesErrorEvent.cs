using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The Responses stream's <c>error</c> event (https://platform.openai.com/docs/api-reference/responses-streaming/error):
/// <c>event: error</c>, <c>{"type":"error","sequence_number","code","message","param"}</c>.
/// </summary>
internal static class ResponsesErrorEvent
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(IBufferWriter<byte> output, GatewayError error, int sequenceNumber)
    {
        output.Write("event: error\ndata: "u8);
        using (var json = new Utf8JsonWriter(output, Options))
        {
            WriteMembers(json, error, sequenceNumber);
        }
        output.Write("\n\n"u8);
    }

    /// <summary>The event's object, on a writer positioned where a value goes.</summary>
    public static void WriteMembers(Utf8JsonWriter json, GatewayError error, int sequenceNumber)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "error"u8);
        json.WriteNumber("sequence_number"u8, sequenceNumber);
        json.WriteString("code"u8, error.Code ?? OpenAIErrorWriter.TypeOf(error.Kind));
        json.WriteString("message"u8, error.Message);
        json.WriteString("param"u8, error.Param);
        json.WriteEndObject();
    }
}
