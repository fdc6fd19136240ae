using System.Text.Json;

namespace LlmProxy.Testing;

/// <summary>One parsed server-sent event: its <c>event:</c> name (empty when absent) and its data.</summary>
public sealed record SseMessage(string Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
}

/// <summary>Parses an SSE body as a client does, for assertions on what the proxy wrote.</summary>
public static class SseEvents
{
    public static List<SseMessage> Parse(string body)
    {
        var events = new List<SseMessage>();
        foreach (var block in body.Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string name = "", data = "";
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    name = line[6..].TrimStart();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data = data.Length == 0 ? line[5..].TrimStart() : data + "\n" + line[5..].TrimStart();
                }
            }
            events.Add(new SseMessage(name, data));
        }
        return events;
    }

    /// <summary>
    /// Checks a Messages stream against Anthropic's grammar and returns its events: message_start first and once;
    /// content blocks started in index order, their deltas and stop inside them, never two open at once;
    /// message_delta then message_stop last. Throws with the reason when the stream breaks a rule.
    /// </summary>
    public static List<SseMessage> ParseAnthropic(string body)
    {
        var events = Parse(body);
        if (events.Count < 3 || events[0].Event != "message_start" || events[^1].Event != "message_stop" || events[^2].Event != "message_delta")
        {
            throw new InvalidOperationException($"a Messages stream starts with message_start and ends with message_delta, message_stop: {body}");
        }
        var open = -1;
        var next = 0;
        foreach (var e in events)
        {
            if (e.Json.GetProperty("type").GetString() != e.Event)
            {
                throw new InvalidOperationException($"event name {e.Event} and data type differ: {e.Data}");
            }
            switch (e.Event)
            {
                case "message_start" when e != events[0]:
                    throw new InvalidOperationException("a second message_start");
                case "content_block_start":
                    var index = e.Json.GetProperty("index").GetInt32();
                    if (open >= 0 || index != next)
                    {
                        throw new InvalidOperationException($"block {index} started while {open} is open or out of order");
                    }
                    open = index;
                    next++;
                    break;
                case "content_block_delta" or "content_block_stop":
                    if (e.Json.GetProperty("index").GetInt32() != open)
                    {
                        throw new InvalidOperationException($"{e.Event} for a block that is not open: {e.Data}");
                    }
                    open = e.Event == "content_block_stop" ? -1 : open;
                    break;
                case "message_delta" when open >= 0:
                    throw new InvalidOperationException("message_delta while a block is open");
            }
        }
        return events;
    }

    /// <summary>
    /// Checks a Responses API stream against its documented grammar and returns its events: <c>sequence_number</c> from
    /// 0 without gaps, the event name equal to the data's type, <c>response.created</c> then <c>response.in_progress</c>
    /// first, items added in output order and only touched between their <c>output_item.added</c> and
    /// <c>output_item.done</c>, and a terminal <c>response.completed</c>, <c>response.incomplete</c> or
    /// <c>response.failed</c> last whose output is exactly the items the <c>output_item.done</c> events carried: what an
    /// SDK's stream helper assembles.
    /// </summary>
    public static List<SseMessage> ParseResponses(string body)
    {
        var events = Parse(body);
        if (events.Count < 3 || events[0].Event != "response.created" || events[1].Event != "response.in_progress"
            || events[^1].Event is not ("response.completed" or "response.incomplete" or "response.failed"))
        {
            throw new InvalidOperationException($"a Responses stream starts with response.created, response.in_progress and ends with a terminal event: {body}");
        }
        var open = new HashSet<int>();
        var done = new List<string>();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var json = e.Json;
            if (json.GetProperty("type").GetString() != e.Event || json.GetProperty("sequence_number").GetInt32() != i)
            {
                throw new InvalidOperationException($"event {i}: name and type differ or sequence_number is not {i}: {e.Data}");
            }
            if (e.Event == "response.output_item.added")
            {
                var index = json.GetProperty("output_index").GetInt32();
                if (index != done.Count + open.Count || !open.Add(index))
                {
                    throw new InvalidOperationException($"item {index} added out of order: {e.Data}");
                }
            }
            else if (e.Event == "response.output_item.done")
            {
                if (!open.Remove(json.GetProperty("output_index").GetInt32()))
                {
                    throw new InvalidOperationException($"done for an item that is not open: {e.Data}");
                }
                done.Add(json.GetProperty("item").GetRawText());
            }
            else if (json.TryGetProperty("output_index", out var position) && !open.Contains(position.GetInt32()))
            {
                throw new InvalidOperationException($"{e.Event} for an item that is not open: {e.Data}");
            }
        }
        if (open.Count > 0)
        {
            throw new InvalidOperationException("items still open at the end of the stream");
        }
        var output = events[^1].Json.GetProperty("response").GetProperty("output").EnumerateArray().Select(item => item.GetRawText()).ToList();
        if (!output.SequenceEqual(done))
        {
            throw new InvalidOperationException($"the final response's output differs from the items streamed:\n{string.Join("\n", output)}\n---\n{string.Join("\n", done)}");
        }
        return events;
    }
}
