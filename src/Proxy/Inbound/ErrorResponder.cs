using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound;

/// <summary>
/// Writes errors that happen outside a dialect's endpoint (auth, unknown routes, crashes) in the envelope of the
/// dialect the path belongs to. Every path is OpenAI's until another dialect claims its own.
/// </summary>
internal sealed class ErrorResponder
{
    public Task WriteAsync(HttpContext context, GatewayError error) => OpenAIErrorWriter.WriteAsync(context.Response, error);
}
