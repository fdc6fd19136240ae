namespace LlmProxy.Storage;

/// <summary>
/// One response of the Responses API as the store keeps it: who owns it, when it expires, its status, the Response
/// object as the client saw it (UTF-8 JSON) and the input items it answered (a UTF-8 JSON array of items, each with
/// an <c>id</c>), so <c>previous_response_id</c> can rebuild the conversation and <c>input_items</c> can list them.
/// Times are Unix seconds.
/// </summary>
internal sealed record StoredResponse(
    string Id,
    string Owner,
    long CreatedAt,
    long ExpiresAt,
    string Status,
    string? PreviousResponseId,
    byte[] Response,
    byte[] InputItems)
{
    /// <summary>
    /// The configured provider (its name in <c>providers</c>) that answered this response natively and keeps its state,
    /// so it alone may continue the conversation from <see cref="Id"/>; null when the proxy translated the answer.
    /// </summary>
    public string? NativeProvider { get; init; }

    /// <summary>For a background response, the events its run streamed (one SSE body, each event's index its <c>sequence_number</c>), so a client can replay them; null otherwise.</summary>
    public byte[]? Events { get; init; }
}
