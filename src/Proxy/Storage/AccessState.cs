namespace LlmProxy.Storage;

/// <summary>Everything the store holds about stored keys and teams, read at once so the proxy can serve from memory.</summary>
internal sealed record AccessState(IReadOnlyList<StoredKey> Keys, IReadOnlyList<StoredSecret> Secrets, IReadOnlyList<StoredTeam> Teams);
