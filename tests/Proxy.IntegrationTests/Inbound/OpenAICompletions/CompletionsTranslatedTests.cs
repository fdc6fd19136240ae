using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound.OpenAICompletions;

/// <summary>
/// <c>POST /v1/completions</c> to a provider without the Completions API (the mock, which echoes): the prompt goes as
/// the user message and the answer comes back as <c>text_completion</c>, whole or streamed; what a chat model cannot
/// do is refused naming the parameter.
/// </summary>
public sealed class CompletionsTranslatedTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHost.StartAsync(ProxyHost.Config("echo-too", """{ "type": "mock" }"""));

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Fact]
    public async Task Completions_NonStreamOnTheMock_TextCompletionWithThePromptEchoed()
    {
        var response = await PostAsync("""{"model":"echo","prompt":["once upon a time"],"max_tokens":50}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = answer.RootElement;
        Assert.Equal("text_completion", root.GetProperty("object").GetString());
        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal("once upon a time", choice.GetProperty("text").GetString());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal(4, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_StreamOnTheMockWithUsage_TextChunksFinishUsageDone()
    {
        var response = await PostAsync("""{"model":"echo","prompt":"the quick brown fox","stream":true,"stream_options":{"include_usage":true},"max_tokens":3}""");

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = SseText.DataOf(await response.Content.ReadAsStringAsync());
        var chunks = events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement).ToArray();
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        var texts = chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0).Select(c => c.GetProperty("choices")[0]).ToArray();
        Assert.Equal("the quick brown", string.Concat(texts.Select(t => t.GetProperty("text").GetString())));
        Assert.Equal("length", texts[^1].GetProperty("finish_reason").GetString());
        Assert.Equal(3, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("[DONE]", events[^1]);
    }

    [Fact]
    public async Task Completions_SeveralPromptsAndN_OneChoicePerPromptAndCopyInOpenAIsOrder()
    {
        var response = await PostAsync("""{"model":"echo","prompt":["alpha beta","gamma"],"n":2,"max_tokens":10}""");

        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var choices = answer.RootElement.GetProperty("choices").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2, 3], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(["alpha beta", "alpha beta", "gamma", "gamma"], choices.Select(c => c.GetProperty("text").GetString()));
        Assert.Equal(2 + 2 + 1 + 1, answer.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32()); // summed over the calls
    }

    [Fact]
    public async Task Completions_SeveralPromptsStreamed_EachChoicesChunksByIndexThenUsageAndDone()
    {
        var response = await PostAsync("""{"model":"echo","prompt":["one two","three"],"stream":true,"stream_options":{"include_usage":true}}""");

        var events = SseText.DataOf(await response.Content.ReadAsStringAsync());
        var chunks = events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement).ToArray();
        var choices = chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0).Select(c => c.GetProperty("choices")[0]).ToArray();
        string Text(int index) => string.Concat(choices.Where(c => c.GetProperty("index").GetInt32() == index).Select(c => c.GetProperty("text").GetString()));
        Assert.Equal("one two", Text(0));
        Assert.Equal("three", Text(1));
        Assert.Equal(2, choices.Count(c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String)); // one finish per choice
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct()); // one stream, one id
        Assert.Equal(3, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("[DONE]", events[^1]);
    }

    [Fact]
    public async Task Completions_NoMaxTokens_TheApisDefaultOf16()
    {
        var prompt = string.Join(' ', Enumerable.Range(0, 40).Select(i => $"w{i}"));

        var response = await PostAsync($$"""{"model":"echo","prompt":"{{prompt}}"}""");

        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var choice = answer.RootElement.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(16, choice.GetProperty("text").GetString()!.Split(' ').Length);
    }

    [Theory]
    [InlineData("""{"model":"echo","prompt":[1,2,3]}""", "prompt")]
    [InlineData("""{"model":"echo","prompt":["a",1]}""", "prompt")]
    [InlineData("""{"model":"echo","prompt":[]}""", "prompt")]
    [InlineData("""{"model":"echo","prompt":"a","n":17}""", "n")]
    [InlineData("""{"model":"echo","prompt":["a","b","c","d","e","f","g","h","i"],"n":2}""", "prompt")]
    [InlineData("""{"model":"echo"}""", "prompt")]
    [InlineData("""{"model":"echo","prompt":"a","suffix":"b"}""", "suffix")]
    [InlineData("""{"model":"echo","prompt":"a","suffix":5}""", "suffix")]
    [InlineData("""{"model":"echo","prompt":"a","echo":"yes"}""", "echo")]
    [InlineData("""{"model":"echo","prompt":"a","logprobs":true}""", "logprobs")]
    [InlineData("""{"model":"echo","prompt":"a","logprobs":0}""", "logprobs")]
    [InlineData("""{"model":"echo","prompt":"a","best_of":0}""", "best_of")]
    [InlineData("""{"model":"echo","prompt":"a","best_of":"x"}""", "best_of")]
    [InlineData("""{"model":"echo","prompt":"a","echo":true}""", "echo")]
    [InlineData("""{"model":"echo","prompt":"a","logprobs":2}""", "logprobs")]
    [InlineData("""{"model":"echo","prompt":"a","best_of":3}""", "best_of")]
    [InlineData("""{"model":"echo","prompt":"a","max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"echo","prompt":"a","temperature":3}""", "temperature")]
    [InlineData("""{"model":"echo","prompt":"a","stream":"yes"}""", "stream")]
    [InlineData("""{"model":"echo","prompt":"a","stream_options":7}""", "stream_options")]
    public async Task Completions_WhatTheProviderCannotDo_400NamingIt(string body, string param)
    {
        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        _proxy.Client.PostAsync("/v1/completions", new StringContent(json, Encoding.UTF8, "application/json"));
}
