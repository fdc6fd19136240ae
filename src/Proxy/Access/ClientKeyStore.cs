using System.Security.Cryptography;
using System.Text;
using LlmProxy.Config;

namespace LlmProxy.Access;

/// <summary>
/// Finds the key a caller presented. Candidates are found by the process-randomised Marvin hash of the key, so
/// which bucket a guess lands in reveals nothing an attacker can steer, and the final check compares the whole key
/// with <see cref="CryptographicOperations.FixedTimeEquals"/>, so response time says nothing about how much of a
/// guessed key was right. Lookup is O(1) however many keys there are, and allocation-free.
/// </summary>
internal sealed class ClientKeyStore
{
    private const int MaxKeyChars = 1024;
    private readonly Dictionary<int, (byte[] Utf8, ClientKey Key)[]> _byHash = new();

    public ClientKeyStore(IEnumerable<KeyConfig> keys)
    {
        foreach (var key in keys)
        {
            var hash = string.GetHashCode(key.Key.AsSpan());
            var entry = (Encoding.UTF8.GetBytes(key.Key), new ClientKey(key));
            _byHash[hash] = _byHash.TryGetValue(hash, out var existing) ? [.. existing, entry] : [entry];
        }
    }

    public ClientKey? Find(ReadOnlySpan<char> presented)
    {
        if (presented.IsEmpty || presented.Length > MaxKeyChars || !_byHash.TryGetValue(string.GetHashCode(presented), out var candidates))
        {
            return null;
        }
        // Sized to this key, not the maximum: stackalloc zeroes what it takes.
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(presented.Length)];
        var length = Encoding.UTF8.GetBytes(presented, utf8);
        foreach (var (bytes, key) in candidates)
        {
            if (CryptographicOperations.FixedTimeEquals(bytes, utf8[..length]))
            {
                return key;
            }
        }
        return null;
    }
}
