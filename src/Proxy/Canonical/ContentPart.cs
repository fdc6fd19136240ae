namespace LlmProxy.Canonical;

/// <summary>A piece of a turn. Each provider mapper writes the kinds its API has and drops (with a debug log) the rest.</summary>
internal abstract record ContentPart;
