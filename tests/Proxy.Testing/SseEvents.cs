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
}
