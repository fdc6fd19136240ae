using System.Text;

namespace LlmProxy.Fuzz;

/// <summary>How an input's bytes reach a streaming parser.</summary>
internal enum Arrival
{
    Whole,
    RandomChunks,
    ByteByByte,
}

/// <summary>
/// One generated input: the bytes, how they arrive, and <see cref="Knob"/>, a number each target reads as it needs
/// (the chunk sizes' seed, an HTTP status, a flag). Printed whole when it fails, so it can be kept as a test.
/// </summary>
internal sealed record FuzzInput(string Seed, Mutation[] Edits, byte[] Bytes, Arrival Arrival, int Knob)
{
    public override string ToString() =>
        $"seed {Seed}, {Edits.Length} edits [{string.Join(" ", Edits.Select(e => $"{e.Kind}:{e.A}:{e.B}"))}], {Arrival}, knob {Knob}, " +
        $"{Bytes.Length} bytes\n  text:   {Printable(Bytes)}\n  base64: {Convert.ToBase64String(Bytes)}";

    private static string Printable(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 2000)));
        var printable = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            printable.Append(c is < ' ' or '\u007f' ? $"\\x{(int)c:x2}" : c.ToString());
        }
        return bytes.Length > 2000 ? printable + "..." : printable.ToString();
    }
}
