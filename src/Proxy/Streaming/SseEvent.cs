namespace LlmProxy.Streaming;

/// <summary>The fields of one server-sent event that the proxy reads: its type and its data.</summary>
internal readonly ref struct SseEvent(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, bool hasData)
{
    /// <summary>The <c>event:</c> field, empty when absent.</summary>
    public ReadOnlySpan<byte> EventType { get; } = eventType;

    /// <summary>The <c>data:</c> lines joined with LF, as the spec dispatches them.</summary>
    public ReadOnlySpan<byte> Data { get; } = data;

    /// <summary>False for events made only of comments (keep-alives such as <c>: ping</c>).</summary>
    public bool HasData { get; } = hasData;
}
