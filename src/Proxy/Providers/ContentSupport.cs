using LlmProxy.Canonical;
using LlmProxy.Config;

namespace LlmProxy.Providers;

/// <summary>
/// Refuses, before anything is sent, a request that holds a part its provider cannot carry: an error that names the
/// part's path and the provider (a 400 when no other deployment can take it), never a silent drop. Each provider says
/// in one function what it cannot carry and why; parts only the client's own provider takes are refused by all.
/// </summary>
internal static class ContentSupport
{
    /// <param name="whyNot">The reason <paramref name="provider"/> cannot carry a part, or null when it can.</param>
    public static ProviderError? Check(ChatRequest request, ProviderConfig provider, Func<ContentPart, string?> whyNot)
    {
        if (request.UnsupportedTools is [var tool, ..])
        {
            return Refuse(tool, provider, "it runs only at the client's own provider");
        }
        foreach (var message in request.Messages)
        {
            foreach (var part in message.Parts)
            {
                if (Find(part, whyNot) is { } refused)
                {
                    return Refuse(refused.Part, provider, refused.Reason);
                }
            }
        }
        return null;
    }

    private static (ContentPart Part, string Reason)? Find(ContentPart part, Func<ContentPart, string?> whyNot)
    {
        if (part is ToolResultPart result)
        {
            foreach (var inner in result.Content)
            {
                if (Find(inner, whyNot) is { } refused)
                {
                    return refused;
                }
            }
            return null;
        }
        var reason = part is UnsupportedPart ? "only the client's own provider takes it" : whyNot(part);
        return reason is null ? null : (part, reason);
    }

    private static ProviderError Refuse(ContentPart part, ProviderConfig provider, string reason)
    {
        var what = part switch
        {
            ImagePart { Url: not null } => "an image by URL",
            ImagePart => "an image",
            DocumentPart { Url: not null } => "a document by URL",
            DocumentPart document => $"a {ErrorText.Quote(document.MediaType)} document",
            AudioPart => "audio",
            UnsupportedPart unsupported => ErrorText.Quote(unsupported.Type),
            _ => part.GetType().Name,
        };
        return new ProviderError(ProviderErrorKind.Unsupported,
            // The reason may repeat the client's own values (a media type): quoted like any of them.
            $"{part.Path ?? "the request"} ({what}) cannot be sent to provider '{provider.Name}' (type {provider.Type}): {ErrorText.Quote(reason)}.")
        {
            Status = 400,
            Param = part.Path,
            Code = "unsupported_content",
        };
    }
}
