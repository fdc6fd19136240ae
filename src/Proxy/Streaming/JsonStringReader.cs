using System.Text.Json;

namespace LlmProxy.Streaming;

/// <summary>
/// Gives a JSON string token's value as UTF-8 without allocating: in place when it has no escapes (nearly always),
/// else unescaped into a buffer reused from event to event. A span is valid until the next call.
/// </summary>
internal sealed class JsonStringReader
{
    private byte[] _buffer = [];

    public ReadOnlySpan<byte> Read(scoped ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }
        // Unescaping never lengthens a string, so the escaped length is enough.
        if (_buffer.Length < reader.ValueSpan.Length)
        {
            _buffer = new byte[Math.Max(reader.ValueSpan.Length, 256)];
        }
        return _buffer.AsSpan(0, reader.CopyString(_buffer));
    }
}
