using System.Net;
using System.Net.Http.Headers;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Providers;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmProxy.Fuzz;

/// <summary>
/// Every translating provider, built from a config as the proxy builds them, over an in-process upstream that reads
/// the whole body and answers 400: a request a reader accepted goes on through each provider's rules and request
/// mapper, where a lone surrogate or an odd part would otherwise first break.
/// </summary>
internal static class TranslatingProviders
{
    private static readonly ProviderTarget Target = new("fuzz-model", new UpstreamTimeouts(5_000, 5_000, 5_000, 10_000), 1024);

    private static readonly ICanonicalChatProvider[] All = Build();

    public static void Carry(ChatRequest request)
    {
        foreach (var provider in All)
        {
            var (carried, sink, refusal) = provider.Rules.Apply(request, new CheckingSink(), provider.Config);
            if (refusal is null)
            {
                provider.ChatAsync(carried, Target, sink, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private static ICanonicalChatProvider[] Build()
    {
        var config = ConfigLoader.Parse("""
            {
              "providers": {
                "openai": { "type": "openai", "baseUrl": "http://127.0.0.1:9/v1", "apiKey": "k" },
                "azure": { "type": "azure", "baseUrl": "http://127.0.0.1:9", "apiKey": "k", "apiVersion": "2024-10-21" },
                "anthropic": { "type": "anthropic", "baseUrl": "http://127.0.0.1:9", "apiKey": "k" },
                "gemini": { "type": "gemini", "baseUrl": "http://127.0.0.1:9", "apiKey": "k" },
                "bedrock": { "type": "bedrock", "baseUrl": "http://127.0.0.1:9", "region": "us-east-1", "accessKeyId": "AKIDEXAMPLE", "secretAccessKey": "s" }
              },
              "models": { "m": [ { "provider": "openai", "model": "gpt-4o" } ] },
              "keys": [ { "key": "sk-fuzz", "name": "fuzz" } ]
            }
            """, "fuzz.json", new EnvironmentExpander(_ => null));
        var services = new ProviderServices(new HttpMessageInvoker(new RefusingUpstream()), TimeProvider.System, NullLoggerFactory.Instance);
        return [.. config.Providers.Select(provider => (ICanonicalChatProvider)ProviderRegistry.Create(provider, services))];
    }

    private sealed class RefusingUpstream : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await request.Content!.CopyToAsync(Stream.Null, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.BadRequest)
            {
                Content = new ByteArrayContent("""{"error":{"message":"fuzz","type":"invalid_request_error"}}"""u8.ToArray())
                {
                    Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
                },
            };
        }
    }
}
