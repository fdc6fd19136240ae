namespace LlmProxy.Canonical;

/// <summary>What a tool returned for the call <see cref="ToolCallId"/>: text, and possibly images or documents.</summary>
internal sealed record ToolResultPart(string ToolCallId, IReadOnlyList<ContentPart> Content, bool IsError) : ContentPart
{
    /// <summary>The result's text parts, joined with newlines; empty when it has none.</summary>
    public string Text => Content is [TextPart only] ? only.Text : string.Join("\n", TextsOf(Content));

    /// <summary>True when the result holds more than text (an image, a document).</summary>
    public bool HasMedia
    {
        get
        {
            foreach (var part in Content)
            {
                if (part is not TextPart)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>The result's parts other than text, in order: what a provider without media in tool results carries beside it.</summary>
    public IEnumerable<ContentPart> Media
    {
        get
        {
            foreach (var part in Content)
            {
                if (part is not TextPart)
                {
                    yield return part;
                }
            }
        }
    }

    public static ToolResultPart OfText(string toolCallId, string text, bool isError) => new(toolCallId, [new TextPart(text)], isError);

    private static IEnumerable<string> TextsOf(IReadOnlyList<ContentPart> content)
    {
        foreach (var part in content)
        {
            if (part is TextPart text)
            {
                yield return text.Text;
            }
        }
    }
}
