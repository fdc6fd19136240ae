using System.Buffers.Text;
using System.Security.Cryptography;

namespace LlmProxy.Admin;

/// <summary>
/// New secrets and ids for the admin API. A secret is <c>sk-llmp-</c> and 32 bytes from the OS's CSPRNG in base64url
/// without padding (51 characters, 256 random bits: a fast hash is then enough, see <see cref="Access.SecretHash"/>);
/// its <see cref="Prefix"/> (the first 12 characters) is kept so a person can recognise a key, and tells an attacker
/// 24 bits of it at most. Ids are <c>key_</c> or <c>team_</c> and 24 lowercase hex digits (96 random bits).
/// </summary>
internal static class KeySecrets
{
    public const string SecretStart = "sk-llmp-";
    public const int PrefixLength = 12;
    public const string KeyIdStart = "key_";
    public const string TeamIdStart = "team_";

    public static string NewSecret()
    {
        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        return SecretStart + Base64Url.EncodeToString(random);
    }

    public static string Prefix(string secret) => secret[..PrefixLength];

    public static string NewKeyId() => NewId(KeyIdStart);

    public static string NewTeamId() => NewId(TeamIdStart);

    private static string NewId(string start)
    {
        Span<byte> random = stackalloc byte[12];
        RandomNumberGenerator.Fill(random);
        return start + Convert.ToHexStringLower(random);
    }
}
