using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Wire.OpenAI;

/// <summary>Writes errors in OpenAI's envelope, <c>{"error":{"message","type","param","code"}}</c>, as an HTTP answer or as an in-stream event.</summary>
internal static class OpenAIErrorWriter
{
    public static Task WriteAsync(HttpResponse response, GatewayError error) => ErrorResponse.WriteAsync(response, error, WriteBody);

    /// <summary>An error after the stream started: <c>data: {"error":{...}}</c>, as OpenAI itself sends it.</summary>
    public static void WriteStreamEvent(IBufferWriter<byte> output, GatewayError error)
    {
        output.Write("data: "u8);
        WriteBody(output, error);
        output.Write("\n\n"u8);
    }

    private static void WriteBody(IBufferWriter<byte> output, GatewayError error)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, error.Message);
        writer.WriteString("type"u8, error.Type ?? TypeOf(error.Kind));
        WriteNullable(writer, "param"u8, error.Param);
        WriteNullable(writer, "code"u8, error.Code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    // The type names OpenAI's own API uses for each class of error.
    public static string TypeOf(ErrorKind kind) => kind switch
    {
        ErrorKind.PermissionDenied => "permission_error",
        ErrorKind.RateLimited => "rate_limit_error",
        ErrorKind.Upstream or ErrorKind.Unavailable or ErrorKind.Timeout or ErrorKind.Internal => "server_error",
        _ => "invalid_request_error",
    };
}
