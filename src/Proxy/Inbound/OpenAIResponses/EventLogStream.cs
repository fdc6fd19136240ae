using System.Buffers;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The response body of a background run: what the stream writer writes is cut into whole events (at the blank line
/// that ends each; the writer's JSON never holds a raw newline) and appended to the run's <see cref="ResponseEventLog"/>.
/// </summary>
internal sealed class EventLogStream(ResponseEventLog log) : Stream
{
    private readonly ArrayBufferWriter<byte> _pending = new(4096);

    /// <summary>True once anything was written: the background run's response has started.</summary>
    public bool HasWritten { get; private set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        HasWritten |= !buffer.IsEmpty;
        _pending.Write(buffer);
        var rest = _pending.WrittenSpan;
        var consumed = 0;
        while (rest.IndexOf("\n\n"u8) is var end and >= 0)
        {
            log.Append(rest[..(end + 2)]);
            consumed += end + 2;
            rest = rest[(end + 2)..];
        }
        if (consumed > 0)
        {
            var tail = rest.ToArray();
            _pending.Clear();
            _pending.Write(tail);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
