using System.Text;

namespace LlmProxy.Benchmarks;

/// <summary>Realistic request and stream bodies, shaped like the OpenAI API reference's examples.</summary>
internal static class BenchmarkInputs
{
    public static readonly byte[] ChatRequest = Encoding.UTF8.GetBytes("""
        {"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},
        {"role":"user","content":"Write a haiku about proxies that do not buffer. Keep it short, and explain the kigo."}],
        "temperature":0.7,"max_tokens":256,"stream":true,"user":"user-1234",
        "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]}
        """);

    public static readonly byte[] UsageChunk = Encoding.UTF8.GetBytes(
        """{"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_44709d6fcb","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":100,"total_tokens":119,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}""");

    public static readonly byte[] ContentChunk = Encoding.UTF8.GetBytes(
        """{"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}],"usage":null}""");

    public static readonly byte[] CompletionBody = Encoding.UTF8.GetBytes("""
        {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,"model":"gpt-4o-mini-2024-07-18",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Bytes flow straight through,\nno pool holds the river back,\ntokens reach the shore.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":19,"completion_tokens":22,"total_tokens":41,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},
         "service_tier":"default","system_fingerprint":"fp_44709d6fcb"}
        """);

    /// <summary>Role chunk, 100 content chunks, finish chunk, usage chunk, [DONE]: the load harness's fast stream.</summary>
    public static readonly byte[] FastStream = BuildStream(100);

    private static byte[] BuildStream(int contentChunks)
    {
        var text = new StringBuilder();
        var prefix = """data: {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":""";
        text.Append(prefix).Append("""{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}""").Append("\n\n");
        for (var i = 0; i < contentChunks; i++)
        {
            text.Append(prefix).Append("""{"content":" token"},"logprobs":null,"finish_reason":null}],"usage":null}""").Append("\n\n");
        }
        text.Append(prefix).Append("""{},"logprobs":null,"finish_reason":"stop"}],"usage":null}""").Append("\n\n");
        text.Append("data: ").Append(Encoding.UTF8.GetString(UsageChunk)).Append("\n\n");
        text.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
