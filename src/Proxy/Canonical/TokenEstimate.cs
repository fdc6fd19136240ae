namespace LlmProxy.Canonical;

/// <summary>
/// A tokenizer-free estimate of a request's input tokens, for providers with no counting API: about four
/// characters of English text per token, and a flat cost per image (Anthropic's cap for one image is ~1600).
/// It is an estimate and says so in the README; good enough to budget a context window, not to bill.
/// </summary>
internal static class TokenEstimate
{
    private const int CharsPerToken = 4;
    private const int TokensPerImage = 1600;

    public static long Of(ChatRequest request)
    {
        long chars = request.System?.Length ?? 0;
        long images = 0;
        foreach (var message in request.Messages)
        {
            foreach (var part in message.Parts)
            {
                chars += part switch
                {
                    TextPart text => text.Text.Length,
                    ToolCallPart call => call.Name.Length + call.ArgumentsJson.Length,
                    ToolResultPart result => result.Text.Length,
                    DocumentPart document => document.Text?.Length ?? document.Data?.Length ?? 0,
                    ReasoningPart reasoning => reasoning.Text.Length,
                    _ => 0,
                };
                images += part is ImagePart ? 1 : part is ToolResultPart withMedia ? CountImages(withMedia.Content) : 0;
            }
        }
        if (request.Tools is { } tools)
        {
            foreach (var tool in tools)
            {
                chars += tool.Name.Length + (tool.Description?.Length ?? 0) + tool.ParametersJson.Length;
            }
        }
        return (chars + CharsPerToken - 1) / CharsPerToken + images * TokensPerImage;
    }

    private static int CountImages(IReadOnlyList<ContentPart> parts)
    {
        var images = 0;
        foreach (var part in parts)
        {
            images += part is ImagePart ? 1 : 0;
        }
        return images;
    }
}
