namespace LlmProxy.Storage;

/// <summary>One step of the SQLite schema: the statements that take a file from <c>Version - 1</c> to <paramref name="Version"/>.</summary>
internal sealed record SqliteMigration(int Version, string Sql);
