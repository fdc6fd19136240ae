using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAICompletions;

/// <summary>
/// Reads a legacy Completions body (https://platform.openai.com/docs/api-reference/completions/create) into the
/// canonical request for providers that do not speak it: the <c>prompt</c> (a string, or an array of one string)
/// becomes the one user message; <c>max_tokens</c> (16 when left out, as the API defaults it), <c>temperature</c>, <c>top_p</c>, <c>stop</c>, <c>user</c> and
/// <c>stream</c> keep their meaning. What a chat model cannot do is refused naming the parameter: several prompts
/// (each would be its own answer), token prompts, <c>suffix</c>, <c>echo</c>, <c>logprobs</c>, <c>best_of</c> and
/// <c>n</c> above 1; other parameters (penalties, seed, logit_bias) are listed in <see cref="ChatRequest.Ignored"/>.
/// </summary>
internal static class OpenAICompletionsRequestReader
{
    public const int DefaultMaxTokens = 16;

    public static bool TryRead(ReadOnlyMemory<byte> body, out ChatRequest? request, out GatewayError? error)
        => RequestDocument.TryRead(body, root => Read(root, body.Length), out request, out error);

    private static ChatRequest Read(JsonElement root, int size)
    {
        var prompt = ReadPrompt(root);
        Refuse(root, "suffix", value => value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0, "a suffix (text after the insertion)");
        Refuse(root, "echo", value => value.ValueKind == JsonValueKind.True, "echoing the prompt");
        Refuse(root, "logprobs", value => value.ValueKind == JsonValueKind.Number, "log probabilities");
        Refuse(root, "best_of", value => value.ValueKind == JsonValueKind.Number && value.GetDouble() > 1, "best_of above 1");
        Refuse(root, "n", value => value.ValueKind == JsonValueKind.Number && value.GetDouble() > 1, "several choices (n above 1)");
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
            Messages = [new ChatMessage(ChatRole.User, [new TextPart(prompt)])],
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

    private static string ReadPrompt(JsonElement root)
    {
        if (!RequestJson.TryGet(root, "prompt", out var prompt) || prompt.ValueKind == JsonValueKind.Null)
        {
            throw new RequestFieldException("prompt", "You must provide a 'prompt': a string.");
        }
        if (prompt.ValueKind == JsonValueKind.String)
        {
            return RequestJson.StringValue(prompt, "prompt");
        }
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() == 1 && prompt[0].ValueKind == JsonValueKind.String)
        {
            return RequestJson.StringValue(prompt[0], "prompt[0]");
        }
        throw new RequestFieldException("prompt", prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() > 1
            ? "This model's provider answers one 'prompt' at a time: send each prompt in its own request."
            : "'prompt' must be a string (token prompts go only to providers that speak the Completions API).");
    }

    private static void Refuse(JsonElement root, string name, Func<JsonElement, bool> asks, string what)
    {
        if (RequestJson.TryGet(root, name, out var value) && asks(value))
        {
            throw new RequestFieldException(name, $"'{name}': {what} is not available from this model's provider.");
        }
    }

    private static bool IsRead(string name) => name is "model" or "prompt" or "max_tokens" or "temperature" or "top_p" or "stop" or "user" or "stream"
        or "stream_options" or "suffix" or "echo" or "logprobs" or "best_of" or "n";
}
