using LlmProxy.Canonical;
using LlmProxy.Inbound.Anthropic;
using LlmProxy.Wire.Anthropic;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound;

/// <summary>
/// Writes errors that happen outside a dialect's endpoint (auth, unknown routes, crashes) in the envelope of the
/// dialect the client speaks: Anthropic's under <c>/v1/messages</c>, and under <c>/v1/models</c> for a request that
/// carries <c>anthropic-version</c> (its SDKs parse nothing else); OpenAI's elsewhere, as that dialect's own errors are.
/// </summary>
internal sealed class ErrorResponder
{
    public Task WriteAsync(HttpContext context, GatewayError error) =>
        context.Request.Path.StartsWithSegments("/v1/messages")
            || (context.Request.Path.StartsWithSegments("/v1/models") && AnthropicHeaders.SentBy(context.Request))
            ? AnthropicErrorWriter.WriteAsync(context.Response, error)
            : OpenAIErrorWriter.WriteAsync(context.Response, error);
}
