using System.Buffers;
using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Providers;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Providers.Bedrock;
using LlmProxy.Providers.Gemini;
using LlmProxy.Providers.OpenAI;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmProxy.Tests.Providers;

/// <summary>
/// A schema nested deeper than System.Text.Json's default of 64 levels, but within the 256 the request readers allow
/// (found by the fuzzer: the OpenAI mapper threw while writing it, Gemini's while reading it again), reaches every
/// provider whole.
/// </summary>
public sealed class DeepSchemaTests
{
    private static readonly ProviderTarget Target = new("m", new UpstreamTimeouts(1, 1, 1, 1), 100);

    // 60 nested objects of properties: 120 levels of JSON inside the schema, the leaf marked.
    private static readonly string Schema =
        string.Concat(Enumerable.Repeat("""{"type":"object","properties":{"x":""", 60)) + """{"type":"string","description":"deepest"}""" +
        string.Concat(Enumerable.Repeat("}}", 60));

    private static ChatRequest Request()
    {
        var body = """{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":""" +
            Schema + """}}],"response_format":{"type":"json_schema","json_schema":{"name":"a","schema":""" + Schema + "}}}";
        Assert.True(OpenAIChatRequestReader.TryRead(Encoding.UTF8.GetBytes(body), out var request, out var error), error?.Message);
        return request!;
    }

    public static TheoryData<string> Providers => ["openai", "anthropic", "gemini", "bedrock"];

    [Theory]
    [MemberData(nameof(Providers))]
    public void Mapper_SchemaDeeperThan64Levels_IsWrittenWhole(string provider)
    {
        var output = new ArrayBufferWriter<byte>();
        var request = Request();

        switch (provider)
        {
            case "openai":
                OpenAIRequestMapper.Write(request, Target, output, NullLogger.Instance, new OpenAIHost(TakesMaxCompletionTokens: false));
                break;
            case "anthropic":
                AnthropicRequestMapper.Write(request, Target, output, NullLogger.Instance, out _);
                break;
            case "gemini":
                GeminiRequestMapper.Write(request, Target, output, NullLogger.Instance);
                break;
            default:
                BedrockRequestMapper.Write(request, Target, output, NullLogger.Instance, out _);
                break;
        }

        var written = Encoding.UTF8.GetString(output.WrittenSpan);
        // The tool's parameters, and the response schema where the provider has a field for it (Anthropic and Bedrock
        // carry it as a tool of its own).
        Assert.True(written.Split("\"deepest\"").Length - 1 >= 2, written[..Math.Min(written.Length, 300)]);
        using var document = System.Text.Json.JsonDocument.Parse(written, new System.Text.Json.JsonDocumentOptions { MaxDepth = 300 });
    }

    [Fact]
    public void ToolArguments_DeeperThan64Levels_AreCarriedAsTheObjectNotEmptied()
    {
        var arguments = string.Concat(Enumerable.Repeat("""{"a":""", 100)) + "1" + new string('}', 100);
        var output = new ArrayBufferWriter<byte>();
        using (var json = new System.Text.Json.Utf8JsonWriter(output))
        {
            JsonArguments.WriteObject(json, arguments);
        }

        Assert.Equal(arguments, Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
