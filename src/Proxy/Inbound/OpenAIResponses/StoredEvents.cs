using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>Whether a stored Response object is a background one.</summary>
internal static class StoredEvents
{
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
