namespace LlmProxy.Inbound;

/// <summary>Replace <see cref="Length"/> bytes at <see cref="Offset"/> of a request body with <see cref="Replacement"/> (Length 0 inserts).</summary>
internal readonly record struct BodySplice(int Offset, int Length, ReadOnlyMemory<byte> Replacement)
{
    public bool IsNone => Length == 0 && Replacement.IsEmpty;
}
