using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LlmProxy.Access;

/// <summary>
/// The SHA-256 of a key's secret (its UTF-8 bytes), as a value for dictionary lookup. Stored keys keep only this;
/// their secrets are 256 random bits, so a fast hash is the right one (a slow password hash guards guessable
/// secrets, which these are not), and a lookup by hash leaks nothing an attacker can steer.
/// </summary>
internal readonly record struct SecretHash(ulong A, ulong B, ulong C, ulong D)
{
    public const int Size = 32;

    /// <summary>Secrets longer than this are refused before hashing: no key is that long, and hashing them is work for nothing.</summary>
    public const int MaxSecretChars = 1024;

    public static SecretHash Of(ReadOnlySpan<char> secret)
    {
        // Sized to this secret, not the maximum: stackalloc zeroes what it takes.
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(secret.Length)];
        var length = Encoding.UTF8.GetBytes(secret, utf8);
        Span<byte> hash = stackalloc byte[Size];
        SHA256.HashData(utf8[..length], hash);
        return FromBytes(hash);
    }

    public static SecretHash FromBytes(ReadOnlySpan<byte> hash) => hash.Length != Size
        ? throw new ArgumentException($"a SHA-256 hash has {Size} bytes, not {hash.Length}", nameof(hash))
        : new(BinaryPrimitives.ReadUInt64BigEndian(hash), BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[16..]), BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, A);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), B);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(16), C);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(24), D);
        return bytes;
    }
}
