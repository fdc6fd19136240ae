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
    public static byte[] EncodeLines(IEnumerable<string> lines)
    {
        var frames = new List<byte>();
        foreach (var line in lines)
        {
            var space = line.IndexOf(' ');
            frames.AddRange(line.StartsWith('!') ? Exception(line[1..space], line[(space + 1)..]) : Event(line[..space], line[(space + 1)..]));
        }
        return [.. frames];
    }

    public static byte[] Event(string eventType, string json) =>
        Message([(":event-type", eventType), (":content-type", "application/json"), (":message-type", "event")], json);

    public static byte[] Exception(string exceptionType, string message) =>
        Message([(":exception-type", exceptionType), (":content-type", "application/json"), (":message-type", "exception")],
            $$"""{"message":"{{message}}"}""");

    public static byte[] Message(IReadOnlyList<(string Name, string Value)> headers, string json)
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
        var payload = Encoding.UTF8.GetBytes(json);
        var total = 12 + headerBytes.Count + payload.Length + 4;
        var message = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(message, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), (uint)headerBytes.Count);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), Crc32.HashToUInt32(message.AsSpan(0, 8)));
        headerBytes.CopyTo(message, 12);
        payload.CopyTo(message, 12 + headerBytes.Count);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(total - 4), Crc32.HashToUInt32(message.AsSpan(0, total - 4)));
        return message;
    }
}
