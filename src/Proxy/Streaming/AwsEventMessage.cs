namespace LlmProxy.Streaming;

/// <summary>
/// One decoded AWS event-stream message: its <c>:message-type</c> (event, exception, error), <c>:event-type</c> or
/// <c>:exception-type</c>, and its payload. Spans are valid until the next message is read.
/// </summary>
internal readonly ref struct AwsEventMessage(ReadOnlySpan<byte> messageType, ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> exceptionType, ReadOnlySpan<byte> payload)
{
    public ReadOnlySpan<byte> MessageType { get; } = messageType;

    public ReadOnlySpan<byte> EventType { get; } = eventType;

    public ReadOnlySpan<byte> ExceptionType { get; } = exceptionType;

    public ReadOnlySpan<byte> Payload { get; } = payload;

    public bool IsEvent => MessageType.SequenceEqual("event"u8);
}
