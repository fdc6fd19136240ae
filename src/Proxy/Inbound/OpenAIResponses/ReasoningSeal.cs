using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Seals provider state that a stateless client (<c>store: false</c>) must carry to its next turn (Anthropic thinking
/// text and its signature) into an item's <c>encrypted_content</c>, and opens it again: AES-256-GCM with a random
/// 96-bit nonce per seal, the item kind as associated data, so the client can neither read, forge nor move it between
/// kinds. Shape: <c>llmp1.</c> + base64url(nonce | ciphertext | tag) of the JSON <c>{"t":text,"s":signature}</c>.
/// </summary>
internal sealed class ReasoningSeal
{
    private const string Prefix = "llmp1.";
    private const int NonceBytes = 12, TagBytes = 16;

    /// <summary>The item kind a reasoning part is sealed for; a compaction summary uses its own.</summary>
    public const string ReasoningKind = "reasoning", CompactionKind = "compaction";

    private static readonly byte[] ReasoningBytes = "reasoning"u8.ToArray(), CompactionBytes = "compaction"u8.ToArray();

    private readonly byte[] _key;

    private static byte[] AssociatedData(string kind) => kind == ReasoningKind ? ReasoningBytes : kind == CompactionKind ? CompactionBytes : Encoding.UTF8.GetBytes(kind);

    /// <param name="key">32 bytes, from config or generated once and kept in the store.</param>
    public ReasoningSeal(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The sealing key must be 32 bytes (AES-256).", nameof(key));
        }
        _key = key;
    }

    public string Seal(string kind, string text, string? signature)
    {
        var plain = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(plain))
        {
            json.WriteStartObject();
            json.WriteString("t"u8, text);
            if (signature is not null)
            {
                json.WriteString("s"u8, signature);
            }
            json.WriteEndObject();
        }
        var plainBytes = plain.WrittenSpan;
        var sealedBytes = new byte[NonceBytes + plainBytes.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, TagBytes))
        {
            aes.Encrypt(nonce, plainBytes, sealedBytes.AsSpan(NonceBytes, plainBytes.Length), sealedBytes.AsSpan(NonceBytes + plainBytes.Length), AssociatedData(kind));
        }
        return Prefix + Base64Url.EncodeToString(sealedBytes);
    }

    /// <summary>The text and signature sealed for <paramref name="kind"/>; false when the value is not one this proxy sealed, or was altered.</summary>
    public bool TryOpen(string value, string kind, out string text, out string? signature)
    {
        text = "";
        signature = null;
        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        byte[] sealedBytes;
        try
        {
            sealedBytes = Base64Url.DecodeFromChars(value.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }
        if (sealedBytes.Length < NonceBytes + TagBytes)
        {
            return false;
        }
        var plain = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), plain, AssociatedData(kind));
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        // Authentic, so written by Seal: the JSON is ours.
        using var document = JsonDocument.Parse(plain);
        text = document.RootElement.GetProperty("t").GetString() ?? "";
        signature = document.RootElement.TryGetProperty("s", out var s) ? s.GetString() : null;
        return true;
    }

    /// <summary>A reasoning item's sealed content as the reasoning part it came from; false when it is not one this proxy sealed.</summary>
    public bool TryOpen(string value, out ReasoningPart part)
    {
        var opened = TryOpen(value, ReasoningKind, out var text, out var signature);
        part = new ReasoningPart(text, signature);
        return opened;
    }
}
