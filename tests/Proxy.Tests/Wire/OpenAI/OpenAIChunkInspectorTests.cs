using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Tests.Wire.OpenAI;

public sealed class OpenAIChunkInspectorTests
{
    [Theory]
    [InlineData("""{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}""")]
    [InlineData("""{"id":"c1","choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}""")]
    [InlineData("""{"id":"c1","choices" : [ {"index":0,"delta":{"content":"\"choices\":[] and \"usage\":{"}}]}""")]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"id first is optional"}}],"id":"c1"}""")]
    public void Inspect_ContentChunk_IsChoicesWithoutUsage(string json)
    {
        Assert.Equal(OpenAIChunkKind.Choices, OpenAIChunkInspector.Inspect(Encoding.UTF8.GetBytes(json), out var usage));
        Assert.Null(usage);
    }

    [Fact]
    public void Inspect_UsageChunk_IsNoChoicesWithUsage()
    {
        var json = """{"id":"c1","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":4}}}""";

        Assert.Equal(OpenAIChunkKind.NoChoices, OpenAIChunkInspector.Inspect(Encoding.UTF8.GetBytes(json), out var usage));
        Assert.Equal(new TokenUsage(19, 10, 3, 0, 4), usage);
    }

    [Fact]
    public void Inspect_LastContentChunkCarryingUsage_IsChoicesWithUsage()
    {
        var json = """{"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2}}""";

        Assert.Equal(OpenAIChunkKind.Choices, OpenAIChunkInspector.Inspect(Encoding.UTF8.GetBytes(json), out var usage));
        Assert.Equal(new TokenUsage(5, 2), usage);
    }

    [Theory]
    [InlineData("""{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}""")]
    [InlineData("""{"id":"","object":"","created":0,"model":"","choices":[{"index":0,"finish_reason":null,"content_filter_results":{},"content_filter_offsets":{"check_offset":44}}],"usage":null}""")]
    public void Inspect_AzureFilterAnnotation_IsAnnotation(string json) =>
        Assert.Equal(OpenAIChunkKind.Annotation, OpenAIChunkInspector.Inspect(Encoding.UTF8.GetBytes(json), out _));

    [Fact]
    public void Inspect_ErrorEvent_IsError() =>
        Assert.Equal(OpenAIChunkKind.Error, OpenAIChunkInspector.Inspect("""{"error":{"message":"boom","type":"server_error"}}"""u8, out _));

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"choices\":[")]
    [InlineData("")]
    public void Inspect_MalformedChunk_IsForwardedAsChoices(string json) =>
        Assert.Equal(OpenAIChunkKind.Choices, OpenAIChunkInspector.Inspect(Encoding.UTF8.GetBytes(json), out _));
}
