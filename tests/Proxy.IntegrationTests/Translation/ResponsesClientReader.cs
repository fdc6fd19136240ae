using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Translation;

/// <summary>
/// Reads a Responses API answer as the OpenAI SDKs do: the Response object, or the event stream checked against its
/// grammar, with text from the <c>output_text</c> deltas and calls from the function_call items and their argument
/// deltas, which must agree with the terminal event's Response. The Responses API has no finish reason: the status,
/// its <c>incomplete_details</c> and whether there are calls say it.
/// </summary>
public static class ResponsesClientReader
{
    public static ClientOutcome Read(string answer, bool stream) => stream ? ReadStream(answer) : ReadBody(JsonDocument.Parse(answer).RootElement, new List<string>());

    private static ClientOutcome ReadBody(JsonElement response, List<string> problems)
    {
        var text = new StringBuilder();
        var calls = new List<string>();
        foreach (var item in response.GetProperty("output").EnumerateArray())
        {
            switch (item.GetProperty("type").GetString())
            {
                case "message":
                    foreach (var part in item.GetProperty("content").EnumerateArray())
                    {
                        text.Append(part.GetProperty("text").GetString());
                    }
                    break;
                case "function_call":
                    if (string.IsNullOrEmpty(item.GetProperty("call_id").GetString()))
                    {
                        problems.Add("a function_call without a call_id");
                    }
                    calls.Add(ClientOutcome.Call(item.GetProperty("name").GetString()!, item.GetProperty("arguments").GetString()!, problems));
                    break;
            }
        }
        var status = response.GetProperty("status").GetString();
        var finish = status switch
        {
            "completed" => calls.Count > 0 ? "tool_calls" : "stop",
            "incomplete" => response.GetProperty("incomplete_details").GetProperty("reason").GetString() switch
            {
                "max_output_tokens" => "length",
                "content_filter" => "content_filter",
                var other => $"unknown incomplete reason '{other}'",
            },
            _ => $"status '{status}'",
        };
        var usage = response.GetProperty("usage");
        return new ClientOutcome(text.ToString(), calls, finish, null, new Usage(usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("output_tokens").GetInt64(),
            usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt64(), null), problems);
    }

    private static ClientOutcome ReadStream(string answer)
    {
        var problems = new List<string>();
        List<SseMessage> events;
        try
        {
            events = SseEvents.ParseResponses(answer);
        }
        catch (InvalidOperationException e)
        {
            problems.Add(e.Message);
            events = SseEvents.Parse(answer);
        }
        var text = new StringBuilder();
        var arguments = new Dictionary<string, StringBuilder>();
        foreach (var e in events)
        {
            var json = e.Json;
            switch (e.Event)
            {
                case "response.output_text.delta":
                    text.Append(json.GetProperty("delta").GetString());
                    break;
                case "response.function_call_arguments.delta":
                    var id = json.GetProperty("item_id").GetString()!;
                    (arguments.TryGetValue(id, out var sofar) ? sofar : arguments[id] = new StringBuilder()).Append(json.GetProperty("delta").GetString());
                    break;
            }
        }
        var final = ReadBody(events[^1].Json.GetProperty("response"), problems);
        if (final.Text != text.ToString())
        {
            problems.Add($"the deltas say '{text}' but the final Response says '{final.Text}'");
        }
        foreach (var item in events[^1].Json.GetProperty("response").GetProperty("output").EnumerateArray())
        {
            if (item.GetProperty("type").GetString() == "function_call" && arguments.TryGetValue(item.GetProperty("id").GetString()!, out var streamed)
                && streamed.ToString() != item.GetProperty("arguments").GetString())
            {
                problems.Add($"the argument deltas of {item.GetProperty("name").GetString()} differ from the final arguments");
            }
        }
        return final;
    }
}
