using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>Reads what the store kept of a background response: its events, and whether a Response object is a background one.</summary>
internal static class StoredEvents
{
    /// <summary>Appends each event of a stored SSE body (the proxy's own writing: events end at a blank line) to <paramref name="log"/>.</summary>
    public static void AppendTo(ResponseEventLog log, ReadOnlySpan<byte> events)
    {
        while (events.IndexOf("\n\n"u8) is var end and >= 0)
        {
            log.Append(events[..(end + 2)]);
            events = events[(end + 2)..];
        }
    }

    /// <summary>True when the stored Response object says <c>"background": true</c>.</summary>
    public static bool IsBackground(byte[] response)
    {
        try
        {
            using var document = JsonDocument.Parse(response, RawJson.DocumentOptions);
            return document.RootElement.TryGetProperty("background", out var flag) && flag.ValueKind == JsonValueKind.True;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
