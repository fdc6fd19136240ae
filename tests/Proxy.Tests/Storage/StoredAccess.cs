using System.Security.Cryptography;
using LlmProxy.Storage;

namespace LlmProxy.Tests.Storage;

/// <summary>Keys, teams, secrets and audit entries to store in tests, with no limits unless a test sets them; times from <see cref="StoredResponses.Now"/>.</summary>
internal static class StoredAccess
{
    // One instance, so records compared with `with { Models = NoModels }` differ only in their other fields.
    public static readonly IReadOnlyList<string> NoModels = [];

    public static StoredKey Key(string id, string name, string? teamId = null) =>
        new(id, name, teamId, ["*"], null, null, null, null, "never", null, null, "sk-" + id[..Math.Min(id.Length, 4)], false,
            StoredResponses.Now, StoredResponses.Now);

    public static StoredTeam Team(string id, string name) =>
        new(id, name, ["*"], null, null, null, null, "never", null, StoredResponses.Now, StoredResponses.Now);

    /// <summary>The hash of a secret made from <paramref name="seed"/>: different seeds, different hashes.</summary>
    public static StoredSecret Secret(string keyId, string seed, long? expiresAt = null) =>
        new(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed)), keyId, expiresAt);

    public static AuditEntry Audit(string action, string target, string details = "{}") =>
        new(0, StoredResponses.Now * 1000, "master-key@127.0.0.1", action, target, details);

    public static void AssertSame(StoredKey expected, StoredKey actual)
    {
        Assert.Equal(expected with { Models = NoModels }, actual with { Models = NoModels });
        Assert.Equal(expected.Models, actual.Models);
        // decimal equality ignores scale (10.50m == 10.5m): the digits must come back as they went in.
        Assert.Equal(expected.BudgetUsd?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            actual.BudgetUsd?.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public static void AssertSame(StoredTeam expected, StoredTeam actual)
    {
        Assert.Equal(expected with { Models = NoModels }, actual with { Models = NoModels });
        Assert.Equal(expected.Models, actual.Models);
        Assert.Equal(expected.BudgetUsd?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            actual.BudgetUsd?.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
