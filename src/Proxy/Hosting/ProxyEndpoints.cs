using LlmProxy.Canonical;
using LlmProxy.Inbound;
using LlmProxy.Inbound.Anthropic;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Inbound.OpenAIModels;

namespace LlmProxy.Hosting;

/// <summary>The middleware order and every route (DESIGN.md section 4).</summary>
internal static class ProxyEndpoints
{
    public static WebApplication MapProxyEndpoints(this WebApplication app)
    {
        var services = app.Services;
        var errors = services.GetRequiredService<ErrorResponder>();
        app.Use(next => new ErrorHandling(next, errors, services.GetRequiredService<ILogger<ErrorHandling>>()).InvokeAsync);
        app.Use(next => new ClientAuthentication(next, services.GetRequiredService<Access.ClientKeyStore>(), errors).InvokeAsync);

        var health = services.GetRequiredService<HealthEndpoint>();
        var models = services.GetRequiredService<OpenAIModelsEndpoint>();
        var anthropicModels = services.GetRequiredService<AnthropicModelsEndpoint>();
        var pipeline = services.GetRequiredService<InboundPipeline>();
        var openAIChat = new OpenAIChatDialect();
        var anthropicMessages = new AnthropicMessagesDialect();
        var anthropicCount = new AnthropicCountTokensDialect();

        app.MapGet("/health", (RequestDelegate)health.HandleAsync);
        // One path, two shapes: Anthropic's SDKs say who they are with anthropic-version.
        app.MapGet("/v1/models", context => AnthropicHeaders.SentBy(context.Request) ? anthropicModels.ListAsync(context) : models.ListAsync(context));
        app.MapGet("/v1/models/{**id}", context => AnthropicHeaders.SentBy(context.Request) ? anthropicModels.GetAsync(context) : models.GetAsync(context));
        app.MapPost("/v1/chat/completions", context => pipeline.HandleAsync(context, openAIChat));
        app.MapPost("/v1/messages", context => pipeline.HandleAsync(context, anthropicMessages));
        app.MapPost("/v1/messages/count_tokens", context => pipeline.HandleCountAsync(context, anthropicCount));
        app.MapFallback(context => errors.WriteAsync(context, new GatewayError(404, ErrorKind.NotFound,
            $"Unknown route: {context.Request.Method} {context.Request.Path}", "unknown_route")));
        return app;
    }
}
