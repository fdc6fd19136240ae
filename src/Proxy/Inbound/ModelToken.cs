namespace LlmProxy.Inbound;

/// <summary>The <c>model</c> of a client's body: its value (unescaped) and where its string token sits, quotes included.</summary>
internal readonly record struct ModelToken(ReadOnlyMemory<byte> Value, int Offset, int Length)
{
    public static ModelToken None => new(default, -1, 0);
}
