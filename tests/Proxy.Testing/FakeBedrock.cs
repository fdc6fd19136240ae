using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using LlmProxy.Providers.Bedrock;

namespace LlmProxy.Testing;

/// <summary>
/// A fake Bedrock runtime (Converse and ConverseStream). It checks requests as AWS does: the SigV4 signature is
/// recomputed from the request as received (raw path, signed headers, body) with the known secret, the scope must
/// name this region and service <c>bedrock</c>, the date must be fresh, and a session token must match; or a Bedrock
/// API key as Bearer. Bodies must have known fields only, alternating user/assistant turns starting with user, and a
/// toolConfig whenever tool blocks appear. Streams are real AWS event-stream frames.
/// </summary>
public sealed class FakeBedrock : IAsyncDisposable
{
    public const string AccessKeyId = "AKIDEXAMPLE";
    public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string Region = "us-west-2";
    public const string ApiKey = "bedrock-api-key-example";
    public const string ToolUseId = "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q";
    private static readonly string[] KnownFields = ["messages", "system", "inferenceConfig", "toolConfig", "additionalModelRequestFields",
        "guardrailConfig", "promptVariables", "additionalModelResponseFieldPaths", "requestMetadata", "performanceConfig"];
    private readonly FakeServer _server;

    private FakeBedrock(FakeServer server) => _server = server;

    public Uri BaseUrl => _server.Root;

    public string Reply { get; set; } = "Hello from the fake Bedrock";

    /// <summary>The session token a signed request must carry, when the credentials are temporary.</summary>
    public string? SessionToken { get; set; }

    public IReadOnlyList<ReceivedRequest> Requests => _server.Requests.ToArray();

    public static async Task<FakeBedrock> StartAsync()
    {
        FakeBedrock? fake = null;
        var server = await FakeServer.StartAsync((context, request) => fake!.HandleAsync(context, request));
        fake = new FakeBedrock(server);
        return fake;
    }

    private async Task HandleAsync(HttpContext context, ReceivedRequest request)
    {
        var rawPath = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        if (Authenticate(request, rawPath) is { } denied)
        {
            await WriteErrorAsync(context, 403, denied.Type, denied.Message);
            return;
        }
        if (rawPath.StartsWith("/model/", StringComparison.Ordinal) && rawPath.EndsWith("/invoke", StringComparison.Ordinal))
        {
            await FakeBedrockEmbeddings.WriteAsync(context, Uri.UnescapeDataString(rawPath["/model/".Length..^"/invoke".Length]), request.Body);
            return;
        }
        var stream = rawPath.EndsWith("/converse-stream", StringComparison.Ordinal);
        if (!rawPath.StartsWith("/model/", StringComparison.Ordinal) || !(stream || rawPath.EndsWith("/converse", StringComparison.Ordinal)))
        {
            await WriteErrorAsync(context, 404, "UnknownOperationException", "Unknown operation");
            return;
        }
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(request.Body).RootElement;
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, 400, "SerializationException", "Could not parse the request body");
            return;
        }
        if (Validate(body) is { } problem)
        {
            await WriteErrorAsync(context, 400, "ValidationException", problem);
            return;
        }
        var tool = WantsToolUse(body);
        if (!stream)
        {
            context.Response.ContentType = "application/json";
            var content = tool is null
                ? $$"""[{"text":{{JsonSerializer.Serialize(Reply)}}}]"""
                : $$$"""[{"text":"Checking."},{"toolUse":{"input":{"city":"Paris"},"name":"{{{tool}}}","toolUseId":"{{{ToolUseId}}}"}}]""";
            await context.Response.WriteAsync($$$"""{"metrics":{"latencyMs":321},"output":{"message":{"content":{{{content}}},"role":"assistant"}},"stopReason":"{{{(tool is null ? "end_turn" : "tool_use")}}}","usage":{"inputTokens":12,"outputTokens":9,"totalTokens":56,"cacheReadInputTokens":30,"cacheWriteInputTokens":5}}""");
            return;
        }
        context.Response.ContentType = "application/vnd.amazon.eventstream";
        await SendAsync(context, AwsEventStreamWriter.Event("messageStart", """{"p":"abcdefghijklmnopqrstuvwxyzABCD","role":"assistant"}"""));
        var words = tool is null ? Reply.Split(' ') : ["Checking."];
        for (var i = 0; i < words.Length; i++)
        {
            var text = i == 0 ? words[i] : " " + words[i];
            await SendAsync(context, AwsEventStreamWriter.Event("contentBlockDelta", $$"""{"contentBlockIndex":0,"delta":{"text":{{JsonSerializer.Serialize(text)}}},"p":"abcdef"}"""));
        }
        await SendAsync(context, AwsEventStreamWriter.Event("contentBlockStop", """{"contentBlockIndex":0,"p":"abcdefghijkl"}"""));
        if (tool is not null)
        {
            await SendAsync(context, AwsEventStreamWriter.Event("contentBlockStart", $$$$"""{"contentBlockIndex":1,"p":"abc","start":{"toolUse":{"name":"{{{{tool}}}}","toolUseId":"{{{{ToolUseId}}}}"}}}"""));
            foreach (var fragment in new[] { "{\"ci", "ty\": \"Par", "is\"}" })
            {
                await SendAsync(context, AwsEventStreamWriter.Event("contentBlockDelta", $$$"""{"contentBlockIndex":1,"delta":{"toolUse":{"input":{{{JsonSerializer.Serialize(fragment)}}}}},"p":"abcdef"}"""));
            }
            await SendAsync(context, AwsEventStreamWriter.Event("contentBlockStop", """{"contentBlockIndex":1,"p":"abcdefghijkl"}"""));
        }
        await SendAsync(context, AwsEventStreamWriter.Event("messageStop", $$"""{"p":"abcdefghijklmnop","stopReason":"{{(tool is null ? "end_turn" : "tool_use")}}"}"""));
        await SendAsync(context, AwsEventStreamWriter.Event("metadata", """{"metrics":{"latencyMs":654},"p":"abc","usage":{"inputTokens":12,"outputTokens":9,"totalTokens":56,"cacheReadInputTokens":30,"cacheWriteInputTokens":5}}"""));
    }

    private static async Task SendAsync(HttpContext context, byte[] frame)
    {
        await context.Response.Body.WriteAsync(frame);
        await context.Response.Body.FlushAsync();
    }

    private (string Type, string Message)? Authenticate(ReceivedRequest request, string rawPath)
    {
        var authorization = request.Header("Authorization") ?? "";
        if (authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return authorization == "Bearer " + ApiKey ? null : ("AccessDeniedException", "Invalid API Key format: Must start with pre-defined prefix");
        }
        // AWS4-HMAC-SHA256 Credential=AKID/20150830/us-west-2/bedrock/aws4_request, SignedHeaders=a;b, Signature=hex
        var parts = authorization.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
        string Part(string name) => parts.FirstOrDefault(p => p.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..] ?? "";
        var scope = Part("Credential").Split('/');
        var amzDate = request.Header("x-amz-date") ?? "";
        if (parts.FirstOrDefault() != AwsSigV4Signer.Algorithm || scope.Length != 5 || scope[0] != AccessKeyId)
        {
            return ("UnrecognizedClientException", "The security token included in the request is invalid.");
        }
        if (scope[2] != Region || scope[3] != "bedrock" ||
            !DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ||
            (DateTimeOffset.UtcNow - time).Duration() > TimeSpan.FromMinutes(5) || scope[1] != amzDate[..8])
        {
            return ("InvalidSignatureException", "Credential should be scoped to a valid region and service, and the date must be current.");
        }
        if (SessionToken is not null && request.Header("x-amz-security-token") != SessionToken)
        {
            return ("UnrecognizedClientException", "The security token included in the request is invalid.");
        }
        var signedHeaders = Part("SignedHeaders").Split(';');
        if (!signedHeaders.Contains("host") || !signedHeaders.Contains("x-amz-date"))
        {
            return ("InvalidSignatureException", "'Host' and 'X-Amz-Date' must be signed.");
        }
        var headers = signedHeaders.Select(name => new KeyValuePair<string, string>(name, request.Header(name) ?? "")).ToList();
        var query = rawPath.Contains('?') ? rawPath[(rawPath.IndexOf('?') + 1)..] : "";
        var path = rawPath.Contains('?') ? rawPath[..rawPath.IndexOf('?')] : rawPath;
        var expected = AwsSigV4Signer.Authorization(new AwsCredentials(AccessKeyId, SecretAccessKey, null), Region, "bedrock", time,
            request.Method, path, query, headers, request.Body);
        return expected == authorization ? null : ("InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
    }

    private static string? WantsToolUse(JsonElement body)
    {
        if (!body.TryGetProperty("toolConfig", out var config))
        {
            return null;
        }
        var messages = body.GetProperty("messages");
        var last = messages[messages.GetArrayLength() - 1].GetProperty("content");
        return last.EnumerateArray().Any(b => b.TryGetProperty("toolResult", out _))
            ? null
            : config.GetProperty("tools")[0].GetProperty("toolSpec").GetProperty("name").GetString();
    }

    private static string? Validate(JsonElement body)
    {
        foreach (var field in body.EnumerateObject())
        {
            if (!KnownFields.Contains(field.Name))
            {
                return $"Malformed input request: extraneous key [{field.Name}] is not permitted, please reformat your input and try again.";
            }
        }
        if (!body.TryGetProperty("messages", out var messages) || messages.GetArrayLength() == 0)
        {
            return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
        }
        var expected = "user";
        var toolUses = new HashSet<string>();
        var hasToolBlocks = false;
        foreach (var message in messages.EnumerateArray())
        {
            var role = message.GetProperty("role").GetString();
            if (role != expected)
            {
                return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";
            }
            var content = message.GetProperty("content");
            if (content.GetArrayLength() == 0)
            {
                return "The content field in the Message object is empty. Add a ContentBlock object to the content field and try again.";
            }
            foreach (var block in content.EnumerateArray())
            {
                if (block.TryGetProperty("toolUse", out var use))
                {
                    hasToolBlocks = true;
                    toolUses.Add(use.GetProperty("toolUseId").GetString()!);
                }
                if (block.TryGetProperty("toolResult", out var result))
                {
                    hasToolBlocks = true;
                    if (!toolUses.Contains(result.GetProperty("toolUseId").GetString()!))
                    {
                        return "The toolResult blocks must follow a toolUse block with the same toolUseId.";
                    }
                }
            }
            expected = role == "user" ? "assistant" : "user";
        }
        if (hasToolBlocks && !body.TryGetProperty("toolConfig", out _))
        {
            return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
        }
        return null;
    }

    public static async Task WriteErrorAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-ErrorType"] = type + ":http://internal.amazon.com/coral/com.amazon.bedrock/";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($$"""{"message":{{JsonSerializer.Serialize(message)}}}"""));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
