namespace LlmProxy.Testing;

/// <summary>Reads an SSE body the simple way (tests only): the <c>data:</c> payload of every event, in order.</summary>
public static class SseText
{
    public static IReadOnlyList<string> DataOf(string body)
    {
        var events = new List<string>();
        foreach (var block in body.Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var data = block.Split('\n').Where(line => line.StartsWith("data:", StringComparison.Ordinal)).Select(line => line[5..].TrimStart(' ')).ToArray();
            if (data.Length > 0)
            {
                events.Add(string.Join("\n", data));
            }
        }
        return events;
    }
}
