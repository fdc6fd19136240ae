using System.Text.Json;
using System.Text.Unicode;
using LlmProxy.Canonical;
using LlmProxy.Inbound;
using Microsoft.AspNetCore.Http.Features;

namespace LlmProxy.Admin;

/// <summary>
/// Reads an admin request's body: at most <see cref="MaxBytes"/> (more is a 413), UTF-8 JSON whose top level is an
/// object. A request without a body reads as <c>{}</c> (a rotation with the default grace period, a key with every
/// default). The document is the caller's to dispose.
/// </summary>
internal static class AdminBody
{
    public const int MaxBytes = 64 * 1024;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    public static async Task<(JsonDocument? Document, GatewayError? Error)> ReadAsync(HttpContext context, BodyBudget budget)
    {
        var request = context.Request;
        if (request.ContentLength == 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return (JsonDocument.Parse("{}"), null);
        }
        var (body, error) = await RequestBody.ReadAsync(request, MaxBytes, budget, context.RequestAborted);
        if (body is null)
        {
            return (null, error);
        }
        using (body)
        {
            return Parse(body.Span);
        }
    }

    /// <summary>An admin body's bytes as a JSON object, or the 400 that says why they are not one.</summary>
    public static (JsonDocument? Document, GatewayError? Error) Parse(ReadOnlySpan<byte> bytes)
    {
        if (!Utf8.IsValid(bytes))
        {
            return (null, AdminErrors.InvalidJson("The request body is not valid UTF-8."));
        }
        JsonDocument document;
        try
        {
            // A copy: the document outlives the pooled buffer, which goes back at once.
            document = JsonDocument.Parse(bytes.ToArray(), Options);
        }
        catch (JsonException e)
        {
            return (null, AdminErrors.InvalidJson($"The request body is not valid JSON: {e.Message}"));
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return (null, AdminErrors.InvalidJson("The request body must be a JSON object."));
        }
        return (document, null);
    }
}
