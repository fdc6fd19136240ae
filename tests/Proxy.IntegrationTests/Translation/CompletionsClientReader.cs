using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Translation;

/// <summary>
/// Reads a legacy Completions answer as OpenAI's SDKs do: a <c>text_completion</c> body's <c>choices[0].text</c>, or
/// the chunks' texts joined for choice 0, the finish reason, the usage chunk (empty <c>choices</c>) and
/// <c>data: [DONE]</c> last. A completion has no tool calls.
/// </summary>
public static class CompletionsClientReader
{
    public static ClientOutcome Read(string answer, bool stream) => stream ? ReadStream(answer) : ReadBody(JsonDocument.Parse(answer).RootElement);

    private static ClientOutcome ReadBody(JsonElement body)
    {
        var problems = new List<string>();
        if (body.GetProperty("object").GetString() != "text_completion")
        {
            problems.Add($"object is '{body.GetProperty("object").GetString()}', not text_completion");
        }
        var choice = body.GetProperty("choices")[0];
        return new ClientOutcome(choice.GetProperty("text").GetString()!, [], Finish(choice.GetProperty("finish_reason").GetString()), null,
            UsageOf(body.GetProperty("usage")), problems);
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
        string? finish = null;
        JsonElement? usage = null;
        foreach (var e in events.Where(e => e.Data != "[DONE]"))
        {
            var chunk = e.Json;
            if (chunk.GetProperty("object").GetString() != "text_completion")
            {
                problems.Add($"a chunk's object is '{chunk.GetProperty("object").GetString()}', not text_completion");
            }
            if (chunk.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
            {
                usage = u;
            }
            if (chunk.GetProperty("choices").GetArrayLength() == 0)
            {
                continue;
            }
            var choice = chunk.GetProperty("choices")[0];
            text.Append(choice.GetProperty("text").GetString());
            if (choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String)
            {
                finish = f.GetString();
            }
        }
        if (usage is null)
        {
            problems.Add("no usage chunk, though the client asked for one");
        }
        return new ClientOutcome(text.ToString(), [], Finish(finish), null, usage is { } found ? UsageOf(found) : new Usage(0, 0, 0, null), problems);
    }

    private static string Finish(string? reason) => reason switch
    {
        "stop" or "length" or "content_filter" => reason,
        _ => $"unknown finish_reason '{reason}'",
    };

    private static Usage UsageOf(JsonElement usage) => new(
        usage.GetProperty("prompt_tokens").GetInt64(),
        usage.GetProperty("completion_tokens").GetInt64(),
        usage.TryGetProperty("prompt_tokens_details", out var details) && details.TryGetProperty("cached_tokens", out var cached) ? cached.GetInt64() : 0,
        null);
}
