using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Testing;

/// <summary>
/// A fake Anthropic Messages API that checks what it receives as the real one does (x-api-key, anthropic-version,
/// max_tokens, alternating user/assistant turns starting with user, non-empty text blocks, tool results answering
/// tool uses, thinking budgets below max_tokens) and answers with a scripted text or tool call, streamed or not.
/// </summary>
public sealed class FakeAnthropic : IAsyncDisposable
{
    public const string Key = "sk-ant-upstream-secret";
    private readonly FakeServer _server;

    private FakeAnthropic(FakeServer server) => _server = server;

    public Uri BaseUrl => _server.Root;

    public string Reply { get; set; } = "Hello from the fake Claude";

    /// <summary>When set, answers every request instead of the script.</summary>
    public Func<HttpContext, ReceivedRequest, Task>? Override { get; set; }

    public FakeServer Server => _server;

    public IReadOnlyList<ReceivedRequest> Requests => _server.Requests.ToArray();

    public static async Task<FakeAnthropic> StartAsync()
    {
        FakeAnthropic? fake = null;
        var server = await FakeServer.StartAsync((context, request) => fake!.HandleAsync(context, request));
        fake = new FakeAnthropic(server);
        return fake;
    }

    private async Task HandleAsync(HttpContext context, ReceivedRequest request)
    {
        context.Response.Headers["request-id"] = "req_011CSHoEeqs5C35K2UUqR7Fy";
        if (Override is { } scripted)
        {
            await scripted(context, request);
            return;
        }
        if (request.Header("x-api-key") != Key)
        {
            await WriteErrorAsync(context, 401, "authentication_error", "invalid x-api-key");
            return;
        }
        if (string.IsNullOrEmpty(request.Header("anthropic-version")))
        {
            await WriteErrorAsync(context, 400, "invalid_request_error", "anthropic-version: header is required");
            return;
        }
        if (context.Request.Path != "/v1/messages" && context.Request.Path != "/v1/messages/count_tokens")
        {
            await WriteErrorAsync(context, 404, "not_found_error", "Not Found");
            return;
        }
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(request.Body).RootElement;
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, 400, "invalid_request_error", "There was an issue with the format of your request: invalid JSON");
            return;
        }
        var counting = context.Request.Path == "/v1/messages/count_tokens";
        if (Validate(body, requireMaxTokens: !counting) is { } problem)
        {
            await WriteErrorAsync(context, 400, "invalid_request_error", problem);
            return;
        }
        if (counting)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"input_tokens":42}""");
            return;
        }
        var model = body.GetProperty("model").GetString()!;
        var toolName = WantsToolCall(body);
        var forced = body.TryGetProperty("tool_choice", out var choice) && choice.GetProperty("type").GetString() is "any" or "tool";
        var thinking = ThinkingEnabled(body);
        if (body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
        {
            await AnthropicStreamScript.WriteAsync(context, model, Reply, toolName, forced, thinking);
        }
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(AnthropicStreamScript.Message(model, Reply, toolName, forced, thinking));
        }
    }

    // A tool call when tools are offered and the last turn does not already answer one.
    private static string? WantsToolCall(JsonElement body)
    {
        if (!body.TryGetProperty("tools", out var tools) || tools.GetArrayLength() == 0)
        {
            return null;
        }
        var last = body.GetProperty("messages")[body.GetProperty("messages").GetArrayLength() - 1].GetProperty("content");
        var answersTool = last.ValueKind == JsonValueKind.Array && last.EnumerateArray().Any(b => b.GetProperty("type").GetString() == "tool_result");
        return answersTool ? null : tools[0].GetProperty("name").GetString();
    }

    private static bool ThinkingEnabled(JsonElement body) =>
        body.TryGetProperty("thinking", out var thinking) && thinking.TryGetProperty("type", out var type) && type.GetString() == "enabled";

    // https://docs.claude.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks: with thinking on, the
    // assistant turn whose tool calls are being answered must come back with its thinking block, signature unchanged.
    private static string? CheckThinkingKept(JsonElement messages)
    {
        var count = messages.GetArrayLength();
        if (count < 2 || messages[count - 2].GetProperty("content") is not { ValueKind: JsonValueKind.Array } assistant
            || !assistant.EnumerateArray().Any(b => b.GetProperty("type").GetString() == "tool_use"))
        {
            return null;
        }
        var first = assistant[0];
        if (first.GetProperty("type").GetString() != "thinking")
        {
            return $"messages.{count - 2}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{first.GetProperty("type").GetString()}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns.";
        }
        return first.GetProperty("signature").GetString() == AnthropicStreamScript.ThinkingSignature && first.GetProperty("thinking").GetString() == AnthropicStreamScript.ThinkingText
            ? null
            : $"messages.{count - 2}.content.0: Invalid `signature` in `thinking` block";
    }

    private static string? Validate(JsonElement body, bool requireMaxTokens)
    {
        if (!body.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
        {
            return "model: Field required";
        }
        var hasMax = body.TryGetProperty("max_tokens", out var max) && max.ValueKind == JsonValueKind.Number && max.GetInt32() >= 1;
        if (requireMaxTokens && !hasMax)
        {
            return "max_tokens: Field required";
        }
        if (body.TryGetProperty("temperature", out var temperature) && temperature.GetDouble() > 1)
        {
            return "temperature: Input should be less than or equal to 1";
        }
        if (body.TryGetProperty("thinking", out var thinking) && thinking.GetProperty("budget_tokens").GetInt32() is var budget &&
            (budget < 1024 || (hasMax && budget >= max.GetInt32())))
        {
            return "thinking.budget_tokens: must be >= 1024 and less than max_tokens";
        }
        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            return "messages: Field required";
        }
        var expected = "user";
        var toolUses = new HashSet<string>();
        var i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var role = message.GetProperty("role").GetString();
            if (role != expected)
            {
                return i == 0 ? "messages: first message must use the \"user\" role" : "messages: roles must alternate between \"user\" and \"assistant\"";
            }
            var content = message.GetProperty("content");
            if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (var block in content.EnumerateArray())
                {
                    var type = block.GetProperty("type").GetString();
                    if (type == "text" && string.IsNullOrEmpty(block.GetProperty("text").GetString()))
                    {
                        return $"messages.{i}.content: text content blocks must be non-empty";
                    }
                    if (type == "tool_use")
                    {
                        toolUses.Add(block.GetProperty("id").GetString()!);
                    }
                    if (type == "tool_result" && !toolUses.Contains(block.GetProperty("tool_use_id").GetString()!))
                    {
                        return $"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks";
                    }
                }
            }
            expected = role == "user" ? "assistant" : "user";
            i++;
        }
        return ThinkingEnabled(body) ? CheckThinkingKept(messages) : null;
    }

    public static async Task WriteErrorAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var json = $$"""{"type":"error","error":{"type":"{{type}}","message":{{JsonSerializer.Serialize(message)}}},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}""";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(json));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
