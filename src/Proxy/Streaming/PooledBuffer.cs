using System.Buffers;

namespace LlmProxy.Streaming;

/// <summary>
/// A growable byte buffer on the shared array pool, for what a stream must keep whole until it ends (the text of a
/// Responses output item, whose done events and final Response repeat it): it doubles as it fills, returning each
/// outgrown array, and <see cref="Dispose"/> returns the last, so a server answering stream after stream reuses the
/// same arrays and allocates nothing per event once warm. Not thread-safe; use after Dispose starts empty again.
/// </summary>
internal sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array = [];
    private int _length;

    public int WrittenCount => _length;

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _length);

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(Math.Max(sizeHint, 1));
        return _array.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(Math.Max(sizeHint, 1));
        return _array.AsSpan(_length);
    }

    public void Dispose()
    {
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
        _array = [];
        _length = 0;
    }

    private void Reserve(int more)
    {
        if (_array.Length - _length >= more)
        {
            return;
        }
        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(256, _array.Length * 2), _length + more));
        WrittenSpan.CopyTo(grown);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
        _array = grown;
    }
}
