namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>The words of compaction for providers without it: the request for a summary, and how a summary comes back into a conversation.</summary>
internal static class CompactionPrompt
{
    /// <summary>The last user turn of a compaction request.</summary>
    public const string Request =
        "Write a summary of the conversation above for your own use when you continue it: what you said, did and found " +
        "(tool calls and their results, decisions, open tasks, names and values you will need), leaving out the user's " +
        "messages, which are kept word for word. Answer with the summary only.";

    /// <summary>What a compaction's summary is prefixed with where it stands in a later conversation.</summary>
    public const string SummaryHeading = "[Summary of the earlier part of this conversation, written by the assistant]\n";
}
