using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using LlmProxy.Streaming;

namespace LlmProxy.Testing;

/// <summary>
/// Encodes AWS event-stream messages as Bedrock sends them (prelude with total and headers lengths and its CRC-32,
/// string headers, payload, message CRC-32), for fakes and fixtures. Written from the format's documentation.
/// </summary>
internal static class AwsEventStreamWriter
{
    /// <summary>
    /// A ConverseStream recorded one message a line (<c>eventType json</c>, or <c>!exceptionType message</c>), encoded
    /// into frames as Bedrock sends them.
    /// </summary>
    public static byte[] EncodeLines(IEnumerable<string> lines) => EncodeLines(Encoding.UTF8.GetBytes(string.Join('\n', lines)));

    /// <summary>As <see cref="EncodeLines(IEnumerable{string})"/>, from the recording's bytes as they are (for fuzzing: invalid UTF-8 stays).</summary>
    public static byte[] EncodeLines(ReadOnlySpan<byte> recording)
    {
        var frames = new List<byte>();
        foreach (var range in recording.Split((byte)'\n'))
        {
            var line = recording[range].TrimEnd((byte)'\r');
            var space = line.IndexOf((byte)' ');
            if (space < 0)
            {
                continue;
            }
            var type = Encoding.UTF8.GetString(line[..space]);
            frames.AddRange(type.StartsWith('!')
                ? Exception(type[1..], line[(space + 1)..])
                : Event(type, line[(space + 1)..]));
        }
        return [.. frames];
    }

    public static byte[] Event(string eventType, string json) => Event(eventType, Encoding.UTF8.GetBytes(json));

    public static byte[] Event(string eventType, ReadOnlySpan<byte> json) =>
        Message([(":event-type", eventType), (":content-type", "application/json"), (":message-type", "event")], json);

    public static byte[] Exception(string exceptionType, string message) => Exception(exceptionType, Encoding.UTF8.GetBytes(message));

    public static byte[] Exception(string exceptionType, ReadOnlySpan<byte> message) =>
        Message([(":exception-type", exceptionType), (":content-type", "application/json"), (":message-type", "exception")],
            [.. "{\"message\":\""u8, .. message, .. "\"}"u8]);

    public static byte[] Message(IReadOnlyList<(string Name, string Value)> headers, string json) => Message(headers, Encoding.UTF8.GetBytes(json));

    public static byte[] Message(IReadOnlyList<(string Name, string Value)> headers, ReadOnlySpan<byte> payload)
    {
        var headerBytes = new List<byte>();
        foreach (var (name, value) in headers)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var valueBytes = Encoding.UTF8.GetBytes(value);
            headerBytes.Add((byte)nameBytes.Length);
            headerBytes.AddRange(nameBytes);
            headerBytes.Add(7);
            headerBytes.Add((byte)(valueBytes.Length >> 8));
            headerBytes.Add((byte)valueBytes.Length);
            headerBytes.AddRange(valueBytes);
        }
        var total = 12 + headerBytes.Count + payload.Length + 4;
        var message = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(message, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), (uint)headerBytes.Count);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), Crc32.HashToUInt32(message.AsSpan(0, 8)));
        headerBytes.CopyTo(message, 12);
        payload.CopyTo(message.AsSpan(12 + headerBytes.Count));
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(total - 4), Crc32.HashToUInt32(message.AsSpan(0, total - 4)));
        return message;
    }
}
