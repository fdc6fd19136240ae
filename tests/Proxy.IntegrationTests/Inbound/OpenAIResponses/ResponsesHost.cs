using System.ClientModel;
using System.ClientModel.Primitives;
using LlmProxy.Testing;
using OpenAI;
using OpenAI.Responses;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIResponses;

/// <summary>
/// One proxy over the fake Anthropic, Gemini and Bedrock APIs (each reached by translation) and the fake OpenAI (its Responses API passed through), with
/// two client keys, for the Responses API tests; the official OpenAI client's <see cref="ResponsesClient"/> plays the user.
/// </summary>
public sealed class ResponsesHost : IAsyncLifetime
{
    public const string OtherKey = "sk-test-other";

    /// <summary>A third key that shares the first key's name: names are labels, not owners.</summary>

    public FakeAnthropic Anthropic { get; private set; } = null!;

    public FakeGemini Gemini { get; private set; } = null!;

    public FakeBedrock Bedrock { get; private set; } = null!;

    /// <summary>OpenAI, serving the Responses API itself: the alias <c>openai</c> passes through to it.</summary>
    public FakeOpenAI OpenAI { get; private set; } = null!;

    public ProxyHost Proxy { get; private set; } = null!;

    /// <summary>The answer each alias's fake gives to a plain question.</summary>
    public static string ReplyOf(string alias) => alias switch
    {
        "claude" => "Hello from the fake Claude",
        "gemini" => "Hello from the fake Gemini",
        "bedrock" => "Hello from the fake Bedrock",
        "openai" => "Hello from the fake Responses API",
        "openai-chat" => "Hello from the fake upstream",
        _ => throw new ArgumentException(alias),
    };

    public async Task InitializeAsync()
    {
        Anthropic = await FakeAnthropic.StartAsync();
        Gemini = await FakeGemini.StartAsync();
        Bedrock = await FakeBedrock.StartAsync();
        OpenAI = await FakeOpenAI.StartAsync();
        Proxy = await ProxyHost.StartAsync(ConfigJson());
    }

    /// <summary>The config: one alias per fake provider, two keys.</summary>
    public string ConfigJson() => $$"""
        {
          "providers": {
            "claude": {{ProxyHost.AnthropicProvider(Anthropic)}},
            "gemini": {{ProxyHost.GeminiProvider(Gemini)}},
            "bedrock": {{ProxyHost.BedrockProvider(Bedrock)}},
            "openai": {{ProxyHost.OpenAIProvider(OpenAI, ", \"responsesApi\": true")}}
          },
          "models": {
            "claude": [ { "provider": "claude", "model": "claude-sonnet-4-5" } ],
            "gemini": [ { "provider": "gemini", "model": "gemini-2.5-flash" } ],
            "bedrock": [ { "provider": "bedrock", "model": "anthropic.claude-sonnet-4-5-20250929-v1:0" } ],
            "openai": [ { "provider": "openai", "model": "gpt-4.1" } ]
          },
          "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" }, { "key": "{{OtherKey}}", "name": "other" } ]
        }
        """;

    public ResponsesClient Client(string key = ProxyHost.ClientKey) => For(Proxy, key);

    public static ResponsesClient For(ProxyHost proxy, string key = ProxyHost.ClientKey) =>
        new(new ApiKeyCredential(key), new ResponsesClientOptions
        {
            Endpoint = new Uri(proxy.Root, "v1"),
            // Tests assert the proxy's own answer, not the client's retries of it.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

    /// <summary>Creates a response, streamed or not, as the client assembles it: the streamed one from its response.completed event.</summary>
    public static async Task<ResponseResult> CreateAsync(ResponsesClient client, CreateResponseOptions options, bool stream)
    {
        if (!stream)
        {
            return (await client.CreateResponseAsync(options)).Value;
        }
        options.StreamingEnabled = true;
        await foreach (var update in await client.CreateResponseStreamingAsync(options))
        {
            if (update is StreamingResponseCompletedUpdate done)
            {
                return done.Response;
            }
        }
        throw new InvalidOperationException("the stream ended without response.completed");
    }

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Anthropic.DisposeAsync();
        await Gemini.DisposeAsync();
        await Bedrock.DisposeAsync();
        await OpenAI.DisposeAsync();
    }
}
