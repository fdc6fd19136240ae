namespace LlmProxy.Storage;

/// <summary>One step of a schema (<see cref="SqliteSchema"/>, <see cref="PostgresSchema"/>): the statements that take a database from <c>Version - 1</c> to <paramref name="Version"/>.</summary>
internal sealed record SqlMigration(int Version, string Sql);
