using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAICompletions;

/// <summary>
/// Reads a legacy Completions body (https://platform.openai.com/docs/api-reference/completions/create) into the
/// canonical request for providers that do not speak it: each <c>prompt</c> (a string, or an array of strings) becomes
/// the one user message of a conversation, <c>n</c> times each, answered as choices in that order (choice
/// <c>prompt index × n + j</c>, as OpenAI numbers them; the first is the request, the others
/// <see cref="ChatRequest.MoreChoices"/>), at most <see cref="MaxChoices"/>; <c>max_tokens</c> (16 when left out, as the
/// API defaults it), <c>temperature</c>, <c>top_p</c>, <c>stop</c>, <c>user</c> and <c>stream</c> keep their meaning.
/// What a chat model cannot do is refused naming the parameter: token prompts, <c>suffix</c>, <c>echo</c>,
/// <c>logprobs</c>, <c>best_of</c> above 1; other parameters (penalties, seed, logit_bias) are listed in
/// <see cref="ChatRequest.Ignored"/>.
/// </summary>
internal static class OpenAICompletionsRequestReader
{
    public const int DefaultMaxTokens = 16;

    /// <summary>The most choices a translated request may ask for: each is a provider call, made one after the other.</summary>
    public const int MaxChoices = 16;

    public static bool TryRead(ReadOnlyMemory<byte> body, out ChatRequest? request, out GatewayError? error)
        => RequestDocument.TryRead(body, root => Read(root, body.Length), out request, out error);

    private static ChatRequest Read(JsonElement root, int size)
    {
        var prompts = ReadPrompts(root);
        var n = RequestJson.PositiveInt(root, "n", "n") ?? 1;
        if (prompts.Count * n > MaxChoices)
        {
            throw new RequestFieldException(prompts.Count > 1 ? "prompt" : "n",
                $"This model's provider answers at most {MaxChoices} choices (prompts x n) in one request; {prompts.Count * n} were asked for.");
        }
        var conversations = new List<IReadOnlyList<ChatMessage>>(prompts.Count * n);
        foreach (var prompt in prompts)
        {
            IReadOnlyList<ChatMessage> messages = [new ChatMessage(ChatRole.User, [new TextPart(prompt)])];
            for (var j = 0; j < n; j++)
            {
                conversations.Add(messages);
            }
        }
        // Each refused field is first checked for its type, as the API checks it: a wrong one is the client's mistake either way.
        if (RequestJson.String(root, "suffix", "suffix") is { Length: > 0 })
        {
            throw Unavailable("suffix", "a suffix (text after the insertion)");
        }
        if (RequestJson.Bool(root, "echo", "echo") == true)
        {
            throw Unavailable("echo", "echoing the prompt");
        }
        if (RequestJson.NonNegativeInt(root, "logprobs", "logprobs") is not null)
        {
            throw Unavailable("logprobs", "log probabilities");
        }
        if (RequestJson.PositiveInt(root, "best_of", "best_of") is > 1)
        {
            throw Unavailable("best_of", "best_of above 1");
        }
        List<string>? ignored = null;
        foreach (var property in root.EnumerateObject())
        {
            if (!IsRead(property.Name) && property.Value.ValueKind != JsonValueKind.Null)
            {
                (ignored ??= []).Add(property.Name);
            }
        }
        return new ChatRequest
        {
            Messages = conversations[0],
            MoreChoices = conversations.Count > 1 ? conversations.GetRange(1, conversations.Count - 1) : null,
            // The Completions API's own default when the client gives none (its reference: "Defaults to 16").
            MaxTokens = RequestJson.PositiveInt(root, "max_tokens", "max_tokens") ?? DefaultMaxTokens,
            Temperature = RequestJson.Number(root, "temperature", "temperature", 0, 2),
            TopP = RequestJson.Number(root, "top_p", "top_p", 0, 1),
            Stop = RequestJson.Strings(root, "stop", "stop"),
            User = RequestJson.String(root, "user", "user"),
            Stream = RequestJson.Bool(root, "stream", "stream") ?? false,
            Ignored = ignored,
            SizeHint = size,
        };
    }

    private static List<string> ReadPrompts(JsonElement root)
    {
        if (!RequestJson.TryGet(root, "prompt", out var prompt) || prompt.ValueKind == JsonValueKind.Null)
        {
            throw new RequestFieldException("prompt", "You must provide a 'prompt': a string or an array of strings.");
        }
        if (prompt.ValueKind == JsonValueKind.String)
        {
            return [RequestJson.StringValue(prompt, "prompt")];
        }
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() > 0)
        {
            var prompts = new List<string>(prompt.GetArrayLength());
            foreach (var item in prompt.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    break;
                }
                prompts.Add(RequestJson.StringValue(item, $"prompt[{prompts.Count}]"));
            }
            if (prompts.Count == prompt.GetArrayLength())
            {
                return prompts;
            }
        }
        throw new RequestFieldException("prompt", "'prompt' must be a string or an array of strings (token prompts go only to providers that speak the Completions API).");
    }

    private static RequestFieldException Unavailable(string name, string what) =>
        new(name, $"'{name}': {what} is not available from this model's provider.");

    private static bool IsRead(string name) => name is "model" or "prompt" or "max_tokens" or "temperature" or "top_p" or "stop" or "user" or "stream"
        or "stream_options" or "suffix" or "echo" or "logprobs" or "best_of" or "n";
}
