using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Translation;

/// <summary>
/// Reads a Chat Completions answer as the OpenAI SDKs do: a <c>chat.completion</c> body, or chunks accumulated by
/// choice 0 and by tool call index (id and name on a call's first delta, arguments joined), the finish reason, the
/// usage chunk, and <c>data: [DONE]</c> last.
/// </summary>
public static class OpenAIChatClientReader
{
    public static ClientOutcome Read(string answer, bool stream) => stream ? ReadStream(answer) : ReadBody(JsonDocument.Parse(answer).RootElement);

    private static ClientOutcome ReadBody(JsonElement body)
    {
        var problems = new List<string>();
        var choice = body.GetProperty("choices")[0];
        var message = choice.GetProperty("message");
        var calls = new List<string>();
        if (message.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in toolCalls.EnumerateArray())
            {
                var function = call.GetProperty("function");
                calls.Add(ClientOutcome.Call(function.GetProperty("name").GetString()!, function.GetProperty("arguments").GetString()!, problems));
            }
        }
        var text = message.GetProperty("content").ValueKind == JsonValueKind.String ? message.GetProperty("content").GetString()! : "";
        return new ClientOutcome(text, calls, Finish(choice.GetProperty("finish_reason").GetString()), null, UsageOf(body.GetProperty("usage")), problems);
    }

    private static ClientOutcome ReadStream(string answer)
    {
        var problems = new List<string>();
        var events = SseEvents.Parse(answer);
        if (events.Count == 0 || events[^1].Data != "[DONE]")
        {
            problems.Add("the stream does not end with data: [DONE]");
        }
        var text = new StringBuilder();
        var calls = new SortedDictionary<int, (string Name, StringBuilder Arguments)>();
        string? finish = null;
        JsonElement? usage = null;
        foreach (var e in events)
        {
            if (e.Data == "[DONE]")
            {
                continue;
            }
            var chunk = e.Json;
            if (chunk.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
            {
                usage = u;
            }
            if (chunk.GetProperty("choices").GetArrayLength() == 0)
            {
                continue;
            }
            var choice = chunk.GetProperty("choices")[0];
            var delta = choice.GetProperty("delta");
            if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            {
                text.Append(content.GetString());
            }
            if (delta.TryGetProperty("tool_calls", out var deltas))
            {
                foreach (var d in deltas.EnumerateArray())
                {
                    var index = d.GetProperty("index").GetInt32();
                    var function = d.GetProperty("function");
                    if (!calls.ContainsKey(index))
                    {
                        if (!d.TryGetProperty("id", out _) || !function.TryGetProperty("name", out _))
                        {
                            problems.Add($"tool call {index} began without an id and a name");
                        }
                        calls[index] = (function.TryGetProperty("name", out var n) ? n.GetString()! : "?", new StringBuilder());
                    }
                    if (function.TryGetProperty("arguments", out var a))
                    {
                        calls[index].Arguments.Append(a.GetString());
                    }
                }
            }
            if (choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String)
            {
                finish = f.GetString();
            }
        }
        var callList = calls.Values.Select(c => ClientOutcome.Call(c.Name, c.Arguments.ToString(), problems)).ToList();
        if (usage is null)
        {
            problems.Add("no usage chunk, though the client asked for one");
        }
        return new ClientOutcome(text.ToString(), callList, Finish(finish), null, usage is { } found ? UsageOf(found) : new Usage(0, 0, 0, null), problems);
    }

    private static string Finish(string? reason) => reason switch
    {
        "stop" or "length" or "tool_calls" or "content_filter" => reason,
        _ => $"unknown finish_reason '{reason}'",
    };

    // prompt_tokens counts cache reads and writes; cached_tokens the reads; writes have no field.
    private static Usage UsageOf(JsonElement usage) => new(
        usage.GetProperty("prompt_tokens").GetInt64(),
        usage.GetProperty("completion_tokens").GetInt64(),
        usage.TryGetProperty("prompt_tokens_details", out var details) && details.TryGetProperty("cached_tokens", out var cached) ? cached.GetInt64() : 0,
        null);
}
