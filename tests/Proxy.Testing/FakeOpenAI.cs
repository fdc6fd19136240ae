using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Testing;

/// <summary>
/// A faithful fake of the OpenAI (or Azure OpenAI) Chat Completions API, and its Responses API (<see cref="Responses"/>), on a real socket. It checks URL and auth the
/// way the real service does, answers with the documented JSON and SSE shapes (usage chunk only when
/// <c>stream_options.include_usage</c> is set, <c>"usage":null</c> on the other chunks then, Azure's prompt-filter
/// chunk first), and calls a tool when the request offers tools. <see cref="Override"/> scripts failures.
/// </summary>
public sealed class FakeOpenAI : IAsyncDisposable
{
    public const string Key = "sk-upstream-secret";
    private readonly FakeServer _server;

    private FakeOpenAI(FakeServer server, FakeOpenAIFlavor flavor)
    {
        _server = server;
        Flavor = flavor;
    }

    public FakeOpenAIFlavor Flavor { get; }

    /// <summary>The base URL to put in the proxy's provider config.</summary>
    public Uri BaseUrl => Flavor == FakeOpenAIFlavor.OpenAI ? new Uri(_server.Root, "/v1") : _server.Root;

    public string Reply { get; set; } = "Hello from the fake upstream";

    /// <summary>When set, answers instead of the normal behaviour (after the request was recorded).</summary>
    public Func<HttpContext, ReceivedRequest, Task>? Override { get; set; }

    public FakeServer Server => _server;

    /// <summary>The Responses API this fake also serves, at <c>{BaseUrl}/responses</c> (Azure: <c>/openai/v1/responses</c>).</summary>
    public FakeOpenAIResponses Responses { get; } = new();

    public IReadOnlyList<ReceivedRequest> Requests => _server.Requests.ToArray();

    public static async Task<FakeOpenAI> StartAsync(FakeOpenAIFlavor flavor = FakeOpenAIFlavor.OpenAI)
    {
        FakeOpenAI? fake = null;
        var server = await FakeServer.StartAsync((context, request) => fake!.HandleAsync(context, request));
        fake = new FakeOpenAI(server, flavor);
        return fake;
    }

    private async Task HandleAsync(HttpContext context, ReceivedRequest request)
    {
        if (Override is { } scripted)
        {
            await scripted(context, request);
            return;
        }
        if (!IsAuthorized(request))
        {
            await WriteErrorAsync(context, 401, Flavor == FakeOpenAIFlavor.OpenAI
                ? """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"""
                : """{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint."}}""");
            return;
        }
        var responsesPath = Flavor == FakeOpenAIFlavor.OpenAI ? "/v1/responses" : "/openai/v1/responses";
        var compactPath = responsesPath + "/compact";
        if (context.Request.Path.StartsWithSegments(responsesPath, out var rest) && rest.HasValue && !HttpMethods.IsPost(context.Request.Method))
        {
            await Responses.HandleStoredAsync(context, rest.Value!.TrimStart('/'));
            return;
        }
        if (!IsRightPath(context.Request) && context.Request.Path != responsesPath && context.Request.Path != compactPath)
        {
            await WriteErrorAsync(context, 404, """{"error":{"code":"404","message":"Resource not found"}}""");
            return;
        }
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(request.Body).RootElement;
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, 400, """{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error","param":null,"code":null}}""");
            return;
        }
        if (context.Request.Path == compactPath)
        {
            await Responses.CompactAsync(context, body);
            return;
        }
        if (context.Request.Path == responsesPath)
        {
            await Responses.HandleAsync(context, body);
            return;
        }
        if (context.Request.Path.Value!.EndsWith("/completions", StringComparison.Ordinal) && !context.Request.Path.Value.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            await FakeOpenAICompletions.WriteAsync(context, body, Reply);
            return;
        }
        if (context.Request.Path.Value!.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            await FakeOpenAIEmbeddings.WriteAsync(context, body);
            return;
        }
        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            await WriteErrorAsync(context, 400, """{"error":{"message":"Missing required parameter: 'messages'.","type":"invalid_request_error","param":"messages","code":"missing_required_parameter"}}""");
            return;
        }
        var model = Flavor == FakeOpenAIFlavor.Azure ? "gpt-4o-mini-2024-07-18" : body.GetProperty("model").GetString()!;
        // A tool call when tools are offered and the last turn is not already a tool's answer.
        var answersTool = messages.GetArrayLength() > 0 && messages[messages.GetArrayLength() - 1].TryGetProperty("role", out var lastRole) && lastRole.GetString() == "tool";
        var callsTool = !answersTool && body.TryGetProperty("tools", out var tools) && tools.GetArrayLength() > 0 ? tools[0].GetProperty("function").GetProperty("name").GetString() : null;
        var stream = body.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var includeUsage = body.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object &&
            options.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True;
        if (stream)
        {
            await OpenAIStreamScript.WriteAsync(context, Flavor, model, Reply, callsTool, includeUsage);
        }
        else
        {
            context.Response.ContentType = "application/json";
            context.Response.Headers["x-request-id"] = "req_fake123";
            await context.Response.WriteAsync(OpenAIStreamScript.Completion(model, Reply, callsTool));
        }
    }

    private bool IsAuthorized(ReceivedRequest request) => Flavor == FakeOpenAIFlavor.OpenAI
        ? request.Header("Authorization") == "Bearer " + Key
        : request.Header("api-key") == Key;

    private bool IsRightPath(HttpRequest request) => Flavor == FakeOpenAIFlavor.OpenAI
        ? request.Path == "/v1/chat/completions" || request.Path == "/v1/embeddings" || request.Path == "/v1/completions"
        : request.Path.StartsWithSegments("/openai/deployments") && !string.IsNullOrEmpty(request.Query["api-version"]) &&
          (request.Path.Value!.EndsWith("/completions", StringComparison.Ordinal) || request.Path.Value!.EndsWith("/embeddings", StringComparison.Ordinal));

    public static async Task WriteErrorAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(json));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
