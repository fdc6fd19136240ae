using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Providers;
using LlmProxy.Providers.Compatible;
using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Tests.Providers.Compatible;

/// <summary>Each named OpenAI-compatible provider type: its default URL, where its key comes from, and its quirks.</summary>
public sealed class NamedProviderTests
{
    private static readonly ProviderServices Services = new(new HttpMessageInvoker(new HttpClientHandler()), TimeProvider.System, NullLoggerFactory.Instance);

    public static TheoryData<string, string, string> Defaults() => new()
    {
        { "deepseek", "https://api.deepseek.com/chat/completions", "DEEPSEEK_API_KEY" },
        { "dashscope", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions", "DASHSCOPE_API_KEY" },
        { "groq", "https://api.groq.com/openai/v1/chat/completions", "GROQ_API_KEY" },
        { "mistral", "https://api.mistral.ai/v1/chat/completions", "MISTRAL_API_KEY" },
        { "openrouter", "https://openrouter.ai/api/v1/chat/completions", "OPENROUTER_API_KEY" },
        { "xai", "https://api.x.ai/v1/chat/completions", "XAI_API_KEY" },
        { "together", "https://api.together.xyz/v1/chat/completions", "TOGETHER_API_KEY" },
        { "fireworks", "https://api.fireworks.ai/inference/v1/chat/completions", "FIREWORKS_API_KEY" },
        { "ollama", "http://localhost:11434/v1/chat/completions", "OLLAMA_API_KEY" },
        { "vllm", "http://localhost:8000/v1/chat/completions", "VLLM_API_KEY" },
        { "lmstudio", "http://localhost:1234/v1/chat/completions", "LM_STUDIO_API_KEY" },
    };

    [Theory]
    [MemberData(nameof(Defaults))]
    public void Create_NoBaseUrlNoApiKey_ServicesUrlAndTheKeyFromItsVariable(string type, string url, string variable)
    {
        var provider = Named(type).Create(Config(type), Services, name => name == variable ? "sk-from-env" : null);

        using var request = ((INativeWireProvider)provider).CreateRequest(WireFormat.OpenAIChatCompletions, "m");
        Assert.Equal(url, request.RequestUri!.ToString());
        Assert.Equal("Bearer sk-from-env", request.Headers.Authorization!.ToString());
        using var embeddings = ((INativeWireProvider)provider).CreateRequest(WireFormat.OpenAIEmbeddings, "m");
        Assert.Equal(url.Replace("/chat/completions", "/embeddings"), embeddings.RequestUri!.ToString());
    }

    [Theory]
    [InlineData("deepseek", "DEEPSEEK_API_KEY")]
    [InlineData("mistral", "MISTRAL_API_KEY")]
    [InlineData("groq", "GROQ_API_KEY")]
    public void Create_CloudServiceWithoutAnyKey_SaysWhichVariableWouldDo(string type, string variable)
    {
        var error = Assert.Throws<ConfigException>(() => Named(type).Create(Config(type), Services, _ => null));

        Assert.Equal($"providers.p.apiKey: required for type '{type}' (or {variable} in the environment)", error.Message);
    }

    [Theory]
    [InlineData("ollama")]
    [InlineData("vllm")]
    [InlineData("lmstudio")]
    public void Create_LocalServerWithoutAnyKey_SendsNoAuthorization(string type)
    {
        var provider = (INativeWireProvider)Named(type).Create(Config(type), Services, _ => null);

        using var request = provider.CreateRequest(WireFormat.OpenAIChatCompletions, "m");
        Assert.Null(request.Headers.Authorization);
    }

    [Fact]
    public void Create_ConfigKeyAndBaseUrl_WinOverTheServicesOwn()
    {
        var provider = (INativeWireProvider)DeepSeek.Service.Create(Config("deepseek", apiKey: "sk-config", baseUrl: "http://127.0.0.1:9/v1"), Services,
            _ => "sk-from-env");

        using var request = provider.CreateRequest(WireFormat.OpenAIChatCompletions, "m");
        Assert.Equal("http://127.0.0.1:9/v1/chat/completions", request.RequestUri!.ToString());
        Assert.Equal("Bearer sk-config", request.Headers.Authorization!.ToString());
    }

    [Theory]
    [InlineData("cn", "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions")]
    [InlineData("intl", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions")]
    public void Create_DashScopeRegion_ThatRegionsEndpoint(string region, string url)
    {
        var provider = (INativeWireProvider)DashScope.Service.Create(Config("dashscope", apiKey: "k", region: region), Services, _ => null);

        using var request = provider.CreateRequest(WireFormat.OpenAIChatCompletions, "qwen-plus");
        Assert.Equal(url, request.RequestUri!.ToString());
    }

    [Fact]
    public void Create_DashScopeUnknownRegion_NamesTheFieldAndTheRegions()
    {
        var error = Assert.Throws<ConfigException>(() => DashScope.Service.Create(Config("dashscope", apiKey: "k", region: "eu"), Services, _ => null));

        Assert.Equal("providers.p.region: 'eu' is not a region of type 'dashscope' (intl, cn)", error.Message);
    }

    [Fact]
    public void Write_MistralStream_NoStreamOptionsNoUserMaxTokens()
    {
        var body = Map(Mistral.Service.Host);

        Assert.False(body.TryGetProperty("stream_options", out _), "Mistral answers 422 to stream_options");
        Assert.False(body.TryGetProperty("user", out _), "Mistral answers 422 to user");
        Assert.Equal(64, body.GetProperty("max_tokens").GetInt32());
        Assert.False(body.TryGetProperty("max_completion_tokens", out _));
    }

    [Fact]
    public void Write_GroqStream_MaxCompletionTokensAndStreamUsage()
    {
        var body = Map(Groq.Service.Host);

        Assert.Equal(64, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("u-1", body.GetProperty("user").GetString());
    }

    private static JsonElement Map(OpenAIHost host)
    {
        var request = new ChatRequest { Messages = [new ChatMessage(ChatRole.User, [new TextPart("hi")])], MaxTokens = 64, User = "u-1", Stream = true };
        var output = new ArrayBufferWriter<byte>();
        OpenAIRequestMapper.Write(request, new ProviderTarget("m", new UpstreamTimeouts(1, 1, 1, 1), null), output, NullLogger.Instance, host);
        return JsonDocument.Parse(output.WrittenMemory).RootElement;
    }

    private static OpenAICompatible Named(string type) => type switch
    {
        "deepseek" => DeepSeek.Service,
        "dashscope" => DashScope.Service,
        "groq" => Groq.Service,
        "mistral" => Mistral.Service,
        "openrouter" => OpenRouter.Service,
        "xai" => XAI.Service,
        "together" => Together.Service,
        "fireworks" => Fireworks.Service,
        "ollama" => Ollama.Service,
        "vllm" => Vllm.Service,
        _ => LMStudio.Service,
    };

    private static ProviderConfig Config(string type, string? apiKey = null, string? baseUrl = null, string? region = null) =>
        new("p", type, baseUrl is null ? null : new Uri(baseUrl), apiKey, null, region, null, null, null, 0, 0);
}
