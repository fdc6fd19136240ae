using LlmProxy.Canonical;

namespace LlmProxy.Providers;

/// <summary>
/// Makes a request's tool call ids and tool names acceptable to a provider whose rules are stricter than the client's
/// (ids such as <c>functions.Bash:0</c> from some OpenAI-compatible servers, names with dots from MCP clients), with
/// <see cref="IdentifierRule.Conform"/>: deterministic, so each call and its result stay paired across turns without
/// any state. Names the provider answers with are given back to the client as it declared them.
/// </summary>
internal static class ToolIdentifiers
{
    /// <summary>
    /// The request with its ids (when <paramref name="ids"/> is given) and names conformed; the same instance when
    /// everything already conforms. When a name changed, <paramref name="sink"/> is wrapped to restore it in answers.
    /// </summary>
    public static ChatRequest Conform(ChatRequest request, IdentifierRule? ids, IdentifierRule? names, ref IStreamEventSink sink)
    {
        if (Conforms(request, ids, names))
        {
            return request;
        }
        var originals = new Dictionary<string, string>(StringComparer.Ordinal);
        string Name(string name)
        {
            var conformed = names?.Conform(name) ?? name;
            if (!ReferenceEquals(conformed, name))
            {
                originals[conformed] = name;
            }
            return conformed;
        }
        string Id(string id) => ids?.Conform(id) ?? id;

        List<ToolDefinition>? tools = null;
        if (request.Tools is { } declared)
        {
            tools = new List<ToolDefinition>(declared.Count);
            foreach (var tool in declared)
            {
                tools.Add(tool with { Name = Name(tool.Name) });
            }
        }
        var messages = new List<ChatMessage>(request.Messages.Count);
        foreach (var message in request.Messages)
        {
            var parts = new List<ContentPart>(message.Parts.Count);
            foreach (var part in message.Parts)
            {
                parts.Add(part switch
                {
                    ToolCallPart call => call with { Id = Id(call.Id), Name = Name(call.Name) },
                    ToolResultPart result => result with { ToolCallId = Id(result.ToolCallId) },
                    _ => part,
                });
            }
            messages.Add(message with { Parts = parts });
        }
        var choice = request.ToolChoice is { Name: { } chosen } named ? named with { Name = Name(chosen) } : request.ToolChoice;
        if (originals.Count > 0)
        {
            sink = new ToolNameRestorer(sink, originals);
        }
        return request with { Tools = tools, Messages = messages, ToolChoice = choice };
    }

    private static bool Conforms(ChatRequest request, IdentifierRule? ids, IdentifierRule? names)
    {
        if (ids is null && names is null)
        {
            return true;
        }
        if (names is not null && request.Tools is { } tools)
        {
            foreach (var tool in tools)
            {
                if (!names.Accepts(tool.Name))
                {
                    return false;
                }
            }
        }
        if (names is not null && request.ToolChoice is { Name: { } chosen } && !names.Accepts(chosen))
        {
            return false;
        }
        foreach (var message in request.Messages)
        {
            foreach (var part in message.Parts)
            {
                var accepted = part switch
                {
                    ToolCallPart call => (names is null || names.Accepts(call.Name)) && (ids is null || ids.Accepts(call.Id)),
                    ToolResultPart result => ids is null || ids.Accepts(result.ToolCallId),
                    _ => true,
                };
                if (!accepted)
                {
                    return false;
                }
            }
        }
        return true;
    }
}
