namespace LlmProxy.Storage;

/// <summary>
/// One secret that opens the key <paramref name="KeyId"/>: the SHA-256 of its UTF-8 bytes (32 bytes), never the secret.
/// A key has one secret, or two during a rotation's grace period, the old one with <paramref name="ExpiresAt"/> (Unix
/// seconds; null: no end).
/// </summary>
internal sealed record StoredSecret(byte[] Hash, string KeyId, long? ExpiresAt);
