namespace LlmProxy.Canonical;

/// <summary>
/// A piece of a turn. Each provider mapper writes the kinds its API has; a part a provider cannot carry is refused
/// with a 400 that names it (see <c>Providers/ContentSupport</c>), never dropped.
/// </summary>
internal abstract record ContentPart
{
    /// <summary>Where the part sits in the client's request (<c>messages[2].content[0]</c>), for errors that name it.</summary>
    public string? Path { get; init; }
}
