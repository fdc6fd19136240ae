namespace LlmProxy.Config;

/// <summary>The admin section; the master key guards <c>/admin/*</c> once those routes exist.</summary>
internal sealed record AdminOptions(string? MasterKey);
