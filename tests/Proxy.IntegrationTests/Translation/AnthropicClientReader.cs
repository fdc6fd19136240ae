using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Translation;

/// <summary>
/// Reads a Messages answer as the Anthropic SDKs do: a message body, or a stream checked against the event grammar
/// (<see cref="SseEvents.ParseAnthropic"/>) and accumulated block by block (a tool_use block's input is its start's
/// <c>input</c>, replaced by the joined <c>partial_json</c> when there is any), usage from message_start merged with
/// message_delta's. Tool ids must be ones Anthropic accepts back (<c>^[a-zA-Z0-9_-]+$</c>).
/// </summary>
public static partial class AnthropicClientReader
{
    public static ClientOutcome Read(string answer, bool stream) => stream ? ReadStream(answer) : ReadBody(JsonDocument.Parse(answer).RootElement);

    private static ClientOutcome ReadBody(JsonElement body)
    {
        var problems = new List<string>();
        var text = new StringBuilder();
        var calls = new List<string>();
        foreach (var block in body.GetProperty("content").EnumerateArray())
        {
            switch (block.GetProperty("type").GetString())
            {
                case "text":
                    text.Append(block.GetProperty("text").GetString());
                    break;
                case "tool_use":
                    CheckId(block.GetProperty("id").GetString()!, problems);
                    calls.Add(ClientOutcome.Call(block.GetProperty("name").GetString()!, block.GetProperty("input").GetRawText(), problems));
                    break;
            }
        }
        return new ClientOutcome(text.ToString(), calls, Finish(body.GetProperty("stop_reason").GetString()), StopSequence(body),
            UsageOf(body.GetProperty("usage"), default), problems);
    }

    private static ClientOutcome ReadStream(string answer)
    {
        var problems = new List<string>();
        List<SseMessage> events;
        try
        {
            events = SseEvents.ParseAnthropic(answer);
        }
        catch (InvalidOperationException e)
        {
            return new ClientOutcome("", [], "broken stream", null, new Usage(0, 0, 0, 0), [e.Message]);
        }
        var text = new StringBuilder();
        var calls = new List<string>();
        string? toolName = null, toolInput = null;
        StringBuilder? partialJson = null;
        string? finish = null, stopSequence = null;
        JsonElement startUsage = default, deltaUsage = default;
        foreach (var e in events)
        {
            var data = e.Json;
            switch (e.Event)
            {
                case "message_start":
                    startUsage = data.GetProperty("message").GetProperty("usage");
                    break;
                case "content_block_start" when data.GetProperty("content_block").GetProperty("type").GetString() == "tool_use":
                    var block = data.GetProperty("content_block");
                    CheckId(block.GetProperty("id").GetString()!, problems);
                    (toolName, toolInput, partialJson) = (block.GetProperty("name").GetString(), block.GetProperty("input").GetRawText(), new StringBuilder());
                    break;
                case "content_block_delta":
                    var delta = data.GetProperty("delta");
                    switch (delta.GetProperty("type").GetString())
                    {
                        case "text_delta":
                            text.Append(delta.GetProperty("text").GetString());
                            break;
                        case "input_json_delta":
                            partialJson?.Append(delta.GetProperty("partial_json").GetString());
                            break;
                    }
                    break;
                case "content_block_stop" when toolName is not null:
                    calls.Add(ClientOutcome.Call(toolName, partialJson!.Length > 0 ? partialJson.ToString() : toolInput!, problems));
                    toolName = null;
                    break;
                case "message_delta":
                    finish = data.GetProperty("delta").GetProperty("stop_reason").GetString();
                    stopSequence = StopSequence(data.GetProperty("delta"));
                    deltaUsage = data.GetProperty("usage");
                    break;
            }
        }
        return new ClientOutcome(text.ToString(), calls, Finish(finish), stopSequence, UsageOf(startUsage, deltaUsage), problems);
    }

    private static void CheckId(string id, List<string> problems)
    {
        if (!AnthropicToolUseId().IsMatch(id))
        {
            problems.Add($"tool_use id '{id}' is not one Anthropic accepts back");
        }
    }

    private static string? StopSequence(JsonElement holder) =>
        holder.TryGetProperty("stop_sequence", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;

    private static string Finish(string? stopReason) => stopReason switch
    {
        "end_turn" => "stop",
        "stop_sequence" => "stop_sequence",
        "max_tokens" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        "pause_turn" => "pause",
        _ => $"unknown stop_reason '{stopReason}'",
    };

    // input_tokens leaves out cache reads and writes; message_delta's figures, where given, replace message_start's.
    private static Usage UsageOf(JsonElement first, JsonElement last)
    {
        long Figure(string name) =>
            last.ValueKind == JsonValueKind.Object && last.TryGetProperty(name, out var later) && later.ValueKind == JsonValueKind.Number ? later.GetInt64()
            : first.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
        var read = Figure("cache_read_input_tokens");
        var write = Figure("cache_creation_input_tokens");
        return new Usage(Figure("input_tokens") + read + write, Figure("output_tokens"), read, write);
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]+$")]
    private static partial Regex AnthropicToolUseId();
}
