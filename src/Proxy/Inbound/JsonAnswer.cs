using System.Text.Encodings.Web;
using System.Text.Json;

namespace LlmProxy.Inbound;

/// <summary>A whole non-stream answer: 200, JSON, the body written once by the dialect's writer, then sent.</summary>
internal static class JsonAnswer
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync<TState>(HttpResponse response, TState state, Action<Utf8JsonWriter, TState> writeBody, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(response.BodyWriter, Options))
        {
            writeBody(json, state);
        }
        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    /// <summary>A whole answer already written as JSON (a stored Response object): 200, sent as it is.</summary>
    public static async Task WriteRawAsync(HttpResponse response, ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await response.BodyWriter.WriteAsync(json, cancellationToken);
    }
}
