namespace LlmProxy.Providers;

/// <summary>Replace <see cref="Length"/> bytes at <see cref="Offset"/> of a body sent upstream with <see cref="Replacement"/> (Length 0 inserts).</summary>
internal readonly record struct BodySplice(int Offset, int Length, ReadOnlyMemory<byte> Replacement)
{
    public bool IsNone => Length == 0 && Replacement.IsEmpty;
}
