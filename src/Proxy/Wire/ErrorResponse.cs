using System.Buffers;
using System.Globalization;
using LlmProxy.Canonical;

namespace LlmProxy.Wire;

/// <summary>What every dialect's HTTP error answer shares: the status, JSON, <c>Retry-After</c> in whole seconds, then the dialect's envelope.</summary>
internal static class ErrorResponse
{
    public static async Task WriteAsync(HttpResponse response, GatewayError error, Action<IBufferWriter<byte>, GatewayError> writeBody)
    {
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        if (error.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        writeBody(response.BodyWriter, error);
        await response.BodyWriter.FlushAsync().ConfigureAwait(false);
    }
}
