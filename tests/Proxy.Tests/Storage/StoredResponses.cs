using System.Text;
using LlmProxy.Storage;

namespace LlmProxy.Tests.Storage;

/// <summary>Responses to save in tests, with a fixed clock: <see cref="Now"/> in Unix seconds.</summary>
internal static class StoredResponses
{
    public static readonly DateTimeOffset Clock = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    public static long Now => Clock.ToUnixTimeSeconds();

    public static StoredResponse Make(string id, string owner = "alice", long? expiresAt = null, string status = "completed",
        string? previous = null, string text = "hello") =>
        new(id, owner, Now - 10, expiresAt ?? Now + 86400, status, previous,
            Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","status":"{{status}}","output_text":"{{text}}"}"""),
            Encoding.UTF8.GetBytes($$"""[{"id":"msg_{{id}}","type":"message","role":"user","content":"{{text}}"}]"""));
}
