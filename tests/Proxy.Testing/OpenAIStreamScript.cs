using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Testing;

/// <summary>
/// The bodies OpenAI's Chat Completions API sends, per its API reference: the non-stream <c>chat.completion</c>
/// object and the <c>chat.completion.chunk</c> SSE stream (role chunk, content chunks, finish chunk, optional
/// usage chunk with empty choices, <c>data: [DONE]</c>). Azure adds its prompt-filter chunk and filter results.
/// </summary>
public static class OpenAIStreamScript
{
    public const string Id = "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG";
    public const long Created = 1741570283;

    /// <summary>The usage object both the body and the stream report: 19 in (3 cached), 10 out (4 reasoning).</summary>
    public const string UsageJson = """{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":4,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}""";

    public static string Completion(string model, string reply, string? toolName)
    {
        var message = toolName is null
            ? $$"""{"role":"assistant","content":{{JsonSerializer.Serialize(reply)}},"refusal":null,"annotations":[]}"""
            : $$$"""{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123","type":"function","function":{"name":"{{{toolName}}}","arguments":"{\"city\":\"Paris\"}"}}],"refusal":null,"annotations":[]}""";
        var finish = toolName is null ? "stop" : "tool_calls";
        return $$"""
            {
              "id": "{{Id}}",
              "object": "chat.completion",
              "created": {{Created}},
              "model": "{{model}}",
              "choices": [
                {
                  "index": 0,
                  "message": {{message}},
                  "logprobs": null,
                  "finish_reason": "{{finish}}"
                }
              ],
              "usage": {
                "prompt_tokens": 19,
                "completion_tokens": 10,
                "total_tokens": 29,
                "prompt_tokens_details": {
                  "cached_tokens": 3,
                  "audio_tokens": 0
                },
                "completion_tokens_details": {
                  "reasoning_tokens": 4,
                  "audio_tokens": 0,
                  "accepted_prediction_tokens": 0,
                  "rejected_prediction_tokens": 0
                }
              },
              "service_tier": "default",
              "system_fingerprint": "fp_fc9f1d7035"
            }
            """;
    }

    /// <summary>The whole stream as SSE text.</summary>
    public static string Stream(FakeOpenAIFlavor flavor, string model, string reply, string? toolName, bool includeUsage)
    {
        var text = new StringBuilder();
        foreach (var chunk in Chunks(flavor, model, reply, toolName, includeUsage))
        {
            text.Append("data: ").Append(chunk).Append("\n\n");
        }
        return text.ToString();
    }

    public static async Task WriteAsync(HttpContext context, FakeOpenAIFlavor flavor, string model, string reply, string? toolName, bool includeUsage)
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["x-request-id"] = "req_fake123";
        foreach (var chunk in Chunks(flavor, model, reply, toolName, includeUsage))
        {
            await context.Response.WriteAsync("data: " + chunk + "\n\n");
            await context.Response.Body.FlushAsync();
        }
    }

    public static IEnumerable<string> Chunks(FakeOpenAIFlavor flavor, string model, string reply, string? toolName, bool includeUsage)
    {
        var usageNull = includeUsage ? ",\"usage\":null" : "";
        var filter = flavor == FakeOpenAIFlavor.Azure
            ? "\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"},\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"},\"sexual\":{\"filtered\":false,\"severity\":\"safe\"},\"violence\":{\"filtered\":false,\"severity\":\"safe\"}},"
            : "";
        string Chunk(string delta, string finish) =>
            $$"""{"id":"{{Id}}","object":"chat.completion.chunk","created":{{Created}},"model":"{{model}}","system_fingerprint":"fp_44709d6fcb","choices":[{{{filter}}"index":0,"delta":{{delta}},"logprobs":null,"finish_reason":{{finish}}}]{{usageNull}}}""";

        if (flavor == FakeOpenAIFlavor.Azure)
        {
            yield return """{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]}""";
        }
        yield return Chunk("""{"role":"assistant","content":"","refusal":null}""", "null");
        if (toolName is null)
        {
            var first = true;
            foreach (var word in reply.Split(' '))
            {
                yield return Chunk($$"""{"content":{{JsonSerializer.Serialize(first ? word : " " + word)}}}""", "null");
                first = false;
            }
            yield return Chunk("{}", "\"stop\"");
        }
        else
        {
            yield return Chunk($$$"""{"tool_calls":[{"index":0,"id":"call_abc123","type":"function","function":{"name":"{{{toolName}}}","arguments":""}}]}""", "null");
            foreach (var fragment in new[] { "{\\\"", "city", "\\\":\\\"", "Paris", "\\\"}" })
            {
                yield return Chunk($$$"""{"tool_calls":[{"index":0,"function":{"arguments":"{{{fragment}}}"}}]}""", "null");
            }
            yield return Chunk("{}", "\"tool_calls\"");
        }
        if (includeUsage)
        {
            yield return $$"""{"id":"{{Id}}","object":"chat.completion.chunk","created":{{Created}},"model":"{{model}}","system_fingerprint":"fp_44709d6fcb","choices":[],"usage":""" + UsageJson + "}";
        }
        yield return "[DONE]";
    }
}
