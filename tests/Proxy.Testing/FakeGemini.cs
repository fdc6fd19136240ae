using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Testing;

/// <summary>
/// A fake Gemini API (generateContent, streamGenerateContent?alt=sse and batchEmbedContents) that checks what it receives as the real one
/// does: the key, the body's known fields only, contents with roles user/model and non-empty parts of known kinds,
/// function declarations without the JSON Schema keywords Gemini rejects, function responses naming an earlier call,
/// and, as Gemini 3 does, the thought signature on every function call sent back. It answers with text, or with a
/// signed function call when tools are offered and the last turn is not a function response.
/// </summary>
public sealed class FakeGemini : IAsyncDisposable
{
    public const string Key = "AIza-upstream-secret";
    public const string Signature = "CiQB0e2Kb+Xq/vFh3Y1n8sD0nJc4WqZr7mT1oYbU2k9aE3xL";
    private static readonly string[] KnownFields = ["contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings", "cachedContent"];
    private static readonly string[] RejectedSchemaKeywords = ["$schema", "additionalProperties", "$ref", "$defs", "default", "examples", "oneOf", "allOf", "const"];
    private readonly FakeServer _server;

    private FakeGemini(FakeServer server) => _server = server;

    public Uri BaseUrl => _server.Root;

    public string Reply { get; set; } = "Hello from the fake Gemini";

    public Func<HttpContext, ReceivedRequest, Task>? Override { get; set; }

    public IReadOnlyList<ReceivedRequest> Requests => _server.Requests.ToArray();

    public static async Task<FakeGemini> StartAsync()
    {
        FakeGemini? fake = null;
        var server = await FakeServer.StartAsync((context, request) => fake!.HandleAsync(context, request));
        fake = new FakeGemini(server);
        return fake;
    }

    private async Task HandleAsync(HttpContext context, ReceivedRequest request)
    {
        if (Override is { } scripted)
        {
            await scripted(context, request);
            return;
        }
        if (request.Header("x-goog-api-key") != Key)
        {
            await WriteErrorAsync(context, 400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT",
                """[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]""");
            return;
        }
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/v1beta/models/", StringComparison.Ordinal) && path.EndsWith(":batchEmbedContents", StringComparison.Ordinal))
        {
            await FakeGeminiEmbeddings.WriteAsync(context, path["/v1beta/models/".Length..path.IndexOf(':')], request.Body);
            return;
        }
        var stream = path.EndsWith(":streamGenerateContent", StringComparison.Ordinal) && context.Request.Query["alt"] == "sse";
        if (!path.StartsWith("/v1beta/models/", StringComparison.Ordinal) || !(stream || path.EndsWith(":generateContent", StringComparison.Ordinal)))
        {
            await WriteErrorAsync(context, 404, "Not found", "NOT_FOUND");
            return;
        }
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(request.Body).RootElement;
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, 400, "Invalid JSON payload received.", "INVALID_ARGUMENT");
            return;
        }
        if (Validate(body) is { } problem)
        {
            await WriteErrorAsync(context, 400, problem, "INVALID_ARGUMENT");
            return;
        }
        var model = path["/v1beta/models/".Length..path.IndexOf(':')];
        var call = WantsFunctionCall(body);
        var usage = """{"promptTokenCount":20,"candidatesTokenCount":8,"totalTokenCount":36,"cachedContentTokenCount":5,"thoughtsTokenCount":8}""";
        if (!stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"candidates":[{"content":{"parts":[{{Parts(call, Reply)}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{{usage}},"modelVersion":"{{model}}","responseId":"resp-gemini-1"}""");
            return;
        }
        context.Response.ContentType = "text/event-stream";
        var words = call is null ? Reply.Split(' ') : ["Checking."];
        for (var i = 0; i < words.Length; i++)
        {
            var last = i == words.Length - 1;
            var text = i == 0 ? words[i] : " " + words[i];
            var parts = last && call is not null ? Parts(call, text) : $$"""{"text":{{JsonSerializer.Serialize(text)}}}""";
            var finish = last ? "\"finishReason\":\"STOP\"," : "";
            await context.Response.WriteAsync($$"""data: {"candidates":[{"content":{"parts":[{{parts}}],"role":"model"},{{finish}}"index":0}],"usageMetadata":{{usage}},"modelVersion":"{{model}}","responseId":"resp-gemini-1"}""" + "\r\n\r\n");
            await context.Response.Body.FlushAsync();
        }
    }

    private static string Parts(string? call, string text) => call is null
        ? $$"""{"text":{{JsonSerializer.Serialize(text)}}}"""
        : $$$"""{"text":"Checking."},{"functionCall":{"name":"{{{call}}}","args":{"city":"Paris"}},"thoughtSignature":"{{{Signature}}}"}""";

    private static string? WantsFunctionCall(JsonElement body)
    {
        if (!body.TryGetProperty("tools", out var tools))
        {
            return null;
        }
        var contents = body.GetProperty("contents");
        var lastParts = contents[contents.GetArrayLength() - 1].GetProperty("parts");
        var answersCall = lastParts.EnumerateArray().Any(p => p.TryGetProperty("functionResponse", out _));
        return answersCall ? null : tools[0].GetProperty("functionDeclarations")[0].GetProperty("name").GetString();
    }

    private static string? Validate(JsonElement body)
    {
        foreach (var field in body.EnumerateObject())
        {
            if (!KnownFields.Contains(field.Name))
            {
                return $"Invalid JSON payload received. Unknown name \"{field.Name}\": Cannot find field.";
            }
        }
        if (!body.TryGetProperty("contents", out var contents) || contents.ValueKind != JsonValueKind.Array || contents.GetArrayLength() == 0)
        {
            return "* GenerateContentRequest.contents: contents is not specified";
        }
        var calls = new HashSet<string>();
        var index = 0;
        foreach (var content in contents.EnumerateArray())
        {
            var role = content.TryGetProperty("role", out var r) ? r.GetString() : null;
            if (role is not ("user" or "model"))
            {
                return $"Please use a valid role: user, model. (contents[{index}])";
            }
            if (!content.TryGetProperty("parts", out var parts) || parts.GetArrayLength() == 0)
            {
                return $"* GenerateContentRequest.contents[{index}].parts: contents.parts must not be empty.";
            }
            foreach (var part in parts.EnumerateArray())
            {
                if (part.TryGetProperty("functionCall", out var call))
                {
                    var name = call.GetProperty("name").GetString()!;
                    if (!part.TryGetProperty("thoughtSignature", out _))
                    {
                        return $"Function call `{name}` in the `{index + 1}.` content block is missing a `thought_signature`.";
                    }
                    calls.Add(name);
                }
                else if (part.TryGetProperty("functionResponse", out var response))
                {
                    if (!calls.Contains(response.GetProperty("name").GetString()!) || response.GetProperty("response").ValueKind != JsonValueKind.Object)
                    {
                        return $"* GenerateContentRequest.contents[{index}].parts: function response does not match a function call.";
                    }
                }
                else if (!part.TryGetProperty("text", out _) && !part.TryGetProperty("inlineData", out _) && !part.TryGetProperty("fileData", out _))
                {
                    return $"* GenerateContentRequest.contents[{index}].parts: required oneof field 'data' must have one initialized field";
                }
            }
            index++;
        }
        if (body.TryGetProperty("tools", out var tools))
        {
            foreach (var declaration in tools[0].GetProperty("functionDeclarations").EnumerateArray())
            {
                if (declaration.TryGetProperty("parameters", out var schema) && FindRejected(schema) is { } keyword)
                {
                    return $"Invalid JSON payload received. Unknown name \"{keyword}\" at 'tools[0].function_declarations[0].parameters': Cannot find field.";
                }
            }
        }
        return null;
    }

    private static string? FindRejected(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var member in schema.EnumerateObject())
        {
            if (RejectedSchemaKeywords.Contains(member.Name))
            {
                return member.Name;
            }
            var nested = member.Name == "properties"
                ? member.Value.EnumerateObject().Select(p => FindRejected(p.Value)).FirstOrDefault(k => k is not null)
                : member.Name == "items" ? FindRejected(member.Value) : null;
            if (nested is not null)
            {
                return nested;
            }
        }
        return null;
    }

    public static async Task WriteErrorAsync(HttpContext context, int status, string message, string grpcStatus, string details = "[]")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var json = $$$"""{"error":{"code":{{{status}}},"message":{{{JsonSerializer.Serialize(message)}}},"status":"{{{grpcStatus}}}","details":{{{details}}}}}""";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(json));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
