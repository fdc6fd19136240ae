namespace LlmProxy.Storage;

/// <summary>
/// Text as a database can hold it. PostgreSQL's <c>text</c> cannot hold U+0000 (it refuses the whole statement, 22021),
/// and a client can put one in a model name, an id or a key name: it is written, and looked up, as U+FFFD, the
/// replacement character. An id with one then matches nothing (a lookup answers "not found"); a name keeps the rest.
/// </summary>
internal static class SqlText
{
    /// <summary><paramref name="value"/> with each U+0000 replaced; the same instance when it has none (most).</summary>
    public static string Storable(string value) => value.Replace('\0', '\uFFFD');
}
