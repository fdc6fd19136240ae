using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using LlmProxy.Config;

namespace LlmProxy.Access;

/// <summary>
/// Finds the key a caller presented. Keys are indexed by SHA-256, and the final check compares whole hashes with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, so response time says nothing about how much of a
/// guessed key was right, and lookup stays O(1) however many keys there are.
/// </summary>
internal sealed class ClientKeyStore
{
    private const int MaxKeyBytes = 1024;
    private readonly Dictionary<UInt128, (byte[] Hash, ClientKey Key)> _byHashPrefix = new();

    public ClientKeyStore(IEnumerable<KeyConfig> keys)
    {
        foreach (var key in keys)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key.Key));
            _byHashPrefix.Add(Prefix(hash), (hash, new ClientKey(key)));
        }
    }

    public int Count => _byHashPrefix.Count;

    public ClientKey? Find(ReadOnlySpan<char> presented)
    {
        if (presented.IsEmpty || presented.Length > MaxKeyBytes)
        {
            return null;
        }
        Span<byte> utf8 = stackalloc byte[MaxKeyBytes * 3];
        var length = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        return _byHashPrefix.TryGetValue(Prefix(hash), out var entry) && CryptographicOperations.FixedTimeEquals(entry.Hash, hash)
            ? entry.Key
            : null;
    }

    private static UInt128 Prefix(ReadOnlySpan<byte> hash) => MemoryMarshal.Read<UInt128>(hash);
}
