using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Wire.Anthropic;

/// <summary>Writes errors in Anthropic's envelope, <c>{"type":"error","error":{"type","message"}}</c>, as an HTTP answer or as an <c>event: error</c>.</summary>
internal static class AnthropicErrorWriter
{
    public static Task WriteAsync(HttpResponse response, GatewayError error) => ErrorResponse.WriteAsync(response, error, WriteBody);

    /// <summary>An error after the stream started, as Anthropic sends it mid-stream.</summary>
    public static void WriteStreamEvent(IBufferWriter<byte> output, GatewayError error)
    {
        output.Write("event: error\ndata: "u8);
        WriteBody(output, error);
        output.Write("\n\n"u8);
    }

    private static void WriteBody(IBufferWriter<byte> output, GatewayError error)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error"u8);
        writer.WriteStartObject("error"u8);
        // A provider's own Anthropic type (overloaded_error from Claude) says more than the class of error.
        writer.WriteString("type"u8, AnthropicErrorTypes.IsKnown(error.Type) ? error.Type : AnthropicErrorTypes.FromKind(error.Kind));
        writer.WriteString("message"u8, error.Message);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
