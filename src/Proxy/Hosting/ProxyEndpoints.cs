using LlmProxy.Admin;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Inbound;
using LlmProxy.Inbound.Anthropic;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Inbound.OpenAICompletions;
using LlmProxy.Inbound.OpenAIEmbeddings;
using LlmProxy.Inbound.OpenAIModels;
using LlmProxy.Inbound.OpenAIResponses;
using LlmProxy.Observability;
using LlmProxy.Usage;

namespace LlmProxy.Hosting;

/// <summary>The middleware order and every route (DESIGN.md section 4).</summary>
internal static class ProxyEndpoints
{
    private static readonly string[] Read = ["GET", "HEAD"];
    private static readonly string[] Post = ["POST"];
    private static readonly string[] ReadOrDelete = ["GET", "HEAD", "DELETE"];
    private static readonly string[] ReadOrPost = ["GET", "HEAD", "POST"];
    private static readonly string[] ReadPatchOrDelete = ["GET", "HEAD", "PATCH", "DELETE"];

    // Every route and the methods it takes: routing answers them, and the fallback answers other methods with 405 and Allow.
    // A prefix route may also name the suffix after its {id} (the first that matches wins).
    internal static readonly (string Path, bool Prefix, string? Suffix, string[] Methods)[] Routes =
    [
        ("/health", false, null, Read),
        ("/health/live", false, null, Read),
        ("/health/ready", false, null, Read),
        ("/openapi.json", false, null, Read),
        ("/metrics", false, null, Read),
        ("/v1/models", false, null, Read),
        ("/v1/models/", true, null, Read),
        ("/v1/chat/completions", false, null, Post),
        ("/v1/embeddings", false, null, Post),
        ("/v1/completions", false, null, Post),
        ("/v1/responses", false, null, Post),
        ("/v1/responses/compact", false, null, Post),
        ("/v1/responses/", true, "/cancel", Post),
        ("/v1/responses/", true, "/input_items", Read),
        ("/v1/responses/", true, null, ReadOrDelete),
        ("/v1/messages", false, null, Post),
        ("/v1/messages/count_tokens", false, null, Post),
        ("/v1/usage", false, null, Read),
        ("/admin/keys", false, null, ReadOrPost),
        ("/admin/keys/", true, "/rotate", Post),
        ("/admin/keys/", true, null, ReadPatchOrDelete),
        ("/admin/teams", false, null, ReadOrPost),
        ("/admin/teams/", true, null, ReadPatchOrDelete),
        ("/admin/audit", false, null, Read),
        ("/admin/usage", false, null, Read),
    ];

    public static WebApplication MapProxyEndpoints(this WebApplication app)
    {
        var services = app.Services;
        var errors = services.GetRequiredService<ErrorResponder>();
        app.Use(RequestIds.Middleware);
        var server = services.GetRequiredService<ServerOptions>();
        if (server.MetricsPorts.Count > 0)
        {
            app.Use(next => MetricsListener.Separate(next, server.MetricsPorts, errors));
        }
        if (services.GetRequiredService<RequestObserver>() is { Enabled: true } observer)
        {
            app.Use(observer.Middleware);
        }
        app.Use(next => new ErrorHandling(next, errors, services.GetRequiredService<ILogger<ErrorHandling>>()).InvokeAsync);
        // Before authentication: a browser's preflight carries no key.
        if (services.GetRequiredService<ServerOptions>().Cors is { } cors)
        {
            app.UseCors(policy => CorsPolicy.Apply(policy, cors));
        }
        // After CORS, so that a browser can read the drain's 503.
        app.Use(services.GetRequiredService<Draining>().Wrap);
        app.Use(next => new ClientAuthentication(next, services.GetRequiredService<Access.AccessDirectory>(), services.GetRequiredService<TimeProvider>(), errors).InvokeAsync);
        app.Use(next => new AdminGate(next, services.GetRequiredService<AdminOptions>(), errors, context => UnknownRouteAsync(context, errors),
            services.GetRequiredService<ServerOptions>().MetricsRequireMasterKey).InvokeAsync);

        var health = services.GetRequiredService<HealthEndpoint>();
        var models = services.GetRequiredService<OpenAIModelsEndpoint>();
        var anthropicModels = services.GetRequiredService<AnthropicModelsEndpoint>();
        var pipeline = services.GetRequiredService<InboundPipeline>();
        var openAIChat = new OpenAIChatDialect();
        var anthropicMessages = new AnthropicMessagesDialect();
        var anthropicCount = new AnthropicCountTokensDialect();

        // HEAD is GET without a body: Kestrel sends the head and drops what the handler writes.
        app.MapMethods("/health", Read, health.HandleAsync);
        var probes = services.GetRequiredService<HealthProbes>();
        app.MapMethods("/health/live", Read, HealthProbes.LiveAsync);
        app.MapMethods("/health/ready", Read, probes.ReadyAsync);
        app.MapMethods("/openapi.json", Read, OpenApiEndpoint.GetAsync);
        if (server.Metrics)
        {
            // GET and HEAD only, as the route table says: the exporter's own mapping takes any method.
            app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(new HttpMethodMetadata(Read));
        }
        // One path, two shapes: Anthropic's SDKs say who they are with anthropic-version.
        app.MapMethods("/v1/models", Read, context => AnthropicHeaders.SentBy(context.Request) ? anthropicModels.ListAsync(context) : models.ListAsync(context));
        app.MapMethods("/v1/models/{**id}", Read, context => AnthropicHeaders.SentBy(context.Request) ? anthropicModels.GetAsync(context) : models.GetAsync(context));
        app.MapMethods("/v1/chat/completions", Post, context => pipeline.HandleAsync(context, openAIChat));
        var openAIEmbeddings = new OpenAIEmbeddingsDialect();
        app.MapMethods("/v1/embeddings", Post, context => pipeline.HandleAsync(context, openAIEmbeddings));
        var openAICompletions = new OpenAICompletionsDialect();
        app.MapMethods("/v1/completions", Post, context => pipeline.HandleAsync(context, openAICompletions));
        var responsesStore = services.GetRequiredService<ResponsesStore>();
        var background = services.GetRequiredService<BackgroundResponses>();
        var responses = new ResponsesEndpoints(responsesStore, background, services.GetService<SharedBackgroundRuns>());
        app.MapMethods("/v1/responses", Post, context => pipeline.HandleAsync(context, new OpenAIResponsesDialect(responsesStore, background)));
        app.MapMethods("/v1/responses/compact", Post, context => pipeline.HandleAsync(context, new ResponsesCompactDialect(responsesStore)));
        app.MapMethods("/v1/responses/{id}", Read, responses.GetAsync);
        app.MapDelete("/v1/responses/{id}", responses.DeleteAsync);
        app.MapMethods("/v1/responses/{id}/input_items", Read, responses.InputItemsAsync);
        app.MapPost("/v1/responses/{id}/cancel", responses.CancelAsync);
        app.MapMethods("/v1/messages", Post, context => pipeline.HandleAsync(context, anthropicMessages));
        app.MapMethods("/v1/messages/count_tokens", Post, context => pipeline.HandleCountAsync(context, anthropicCount));
        app.MapMethods("/v1/usage", Read, services.GetRequiredService<KeyUsageEndpoint>().GetAsync);
        AdminRoutes.Map(app);
        // A route that exists but takes another method: 405; one this proxy does not serve (/metrics when off): 404.
        app.MapFallback(context => Methods(context.Request.Path) is { } methods && Array.IndexOf(methods, context.Request.Method) < 0
            ? WrongMethodAsync(context, methods, errors)
            : UnknownRouteAsync(context, errors));
        return app;
    }

    private static Task UnknownRouteAsync(HttpContext context, ErrorResponder errors) => errors.WriteAsync(context, new GatewayError(404, ErrorKind.NotFound,
        $"Unknown route: {context.Request.Method} {ErrorText.Quote(context.Request.Path.Value)}", "unknown_route"));

    private static string[]? Methods(PathString path)
    {
        // As routing matches: in any case, with or without a trailing slash.
        var value = path.Value is { Length: > 1 } text && text[^1] == '/' ? text[..^1] : path.Value ?? "";
        foreach (var (route, prefix, suffix, methods) in Routes)
        {
            if (prefix ? value.StartsWith(route, StringComparison.OrdinalIgnoreCase) && value.Length > route.Length + (suffix?.Length ?? 0)
                    && (suffix is null || value.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                : value.Equals(route, StringComparison.OrdinalIgnoreCase))
            {
                return methods;
            }
        }
        return null;
    }

    // OPTIONS says what a route takes (204); any other method it does not take is 405 (RFC 9110 15.5.6), with Allow both times.
    private static Task WrongMethodAsync(HttpContext context, string[] methods, ErrorResponder errors)
    {
        context.Response.Headers.Allow = string.Join(", ", [.. methods, "OPTIONS"]);
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }
        return errors.WriteAsync(context, new GatewayError(405, ErrorKind.InvalidRequest,
            $"{ErrorText.Quote(context.Request.Path.Value)} takes {string.Join(" or ", methods)}, not {ErrorText.Quote(context.Request.Method)}.", "method_not_allowed"));
    }
}
