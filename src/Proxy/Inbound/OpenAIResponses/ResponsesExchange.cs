namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// One Responses API request as the dialect keeps it between reading and answering: the id minted for its response,
/// who owns it, whether to store it, what it continues, the parameters its answer echoes and its input items (a UTF-8
/// JSON array, each item with an <c>id</c>) as the store will keep them.
/// </summary>
internal sealed class ResponsesExchange(string owner, long createdAt, string? id = null)
{
    public string Id { get; } = id ?? ResponseIds.New("resp_");

    public string Owner { get; } = owner;

    /// <summary>Unix seconds.</summary>
    public long CreatedAt { get; } = createdAt;

    /// <summary>The model as the client named it (the alias), which the Response object repeats.</summary>
    public string Model { get; set; } = "";

    public bool Store { get; set; } = true;

    /// <summary>True for a <c>background: true</c> response, run apart from the request that asked for it.</summary>
    public bool Background { get; set; }

    /// <summary>The status and Response object last stored for this exchange; null before the first save.</summary>
    public (string Status, byte[] Response)? Saved { get; set; }

    public string? PreviousResponseId { get; set; }

    public ResponsesEcho Echo { get; } = new();

    public byte[] InputItems { get; set; } = "[]"u8.ToArray();
}
