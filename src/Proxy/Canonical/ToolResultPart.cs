namespace LlmProxy.Canonical;

/// <summary>What a tool returned for the call <see cref="ToolCallId"/>: text, and possibly images or documents.</summary>
internal sealed record ToolResultPart(string ToolCallId, IReadOnlyList<ContentPart> Content, bool IsError) : ContentPart
{
    /// <summary>The result's text parts, joined with newlines; empty when it has none.</summary>
    public string Text { get; } = JoinText(Content);

    /// <summary>True when the result holds more than text (an image, a document).</summary>
    public bool HasMedia { get; } = HasNonText(Content);

    public static ToolResultPart OfText(string toolCallId, string text, bool isError) => new(toolCallId, [new TextPart(text)], isError);

    private static string JoinText(IReadOnlyList<ContentPart> content)
    {
        if (content is [TextPart only])
        {
            return only.Text;
        }
        var texts = new List<string>(content.Count);
        foreach (var part in content)
        {
            if (part is TextPart text)
            {
                texts.Add(text.Text);
            }
        }
        return string.Join("\n", texts);
    }

    private static bool HasNonText(IReadOnlyList<ContentPart> content)
    {
        foreach (var part in content)
        {
            if (part is not TextPart)
            {
                return true;
            }
        }
        return false;
    }
}
