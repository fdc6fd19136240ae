using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Inbound.OpenAIResponses;
using LlmProxy.Providers;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Providers.Bedrock;
using LlmProxy.Providers.Gemini;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Storage;
using LlmProxy.Testing;
using LlmProxy.Tests.Storage;
using LlmProxy.Tests.Fixtures;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Tests.Inbound.OpenAIResponses;

/// <summary>Provider streams from the fixtures, translated into Responses API events, checked against the event grammar.</summary>
public sealed class ResponsesStreamWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("responses-writer-").FullName;
    private readonly OpenedResponseStore _store;
    private readonly ResponsesStore _responses;
    private readonly ReasoningSeal _seal = new(RandomNumberGenerator.GetBytes(32));

    public ResponsesStreamWriterTests()
    {
        _store = OpenedResponseStore.Sqlite(Path.Combine(_folder, "store.db"));
        _responses = new ResponsesStore(_store, TimeProvider.System, 30, configuredKey: null, Microsoft.Extensions.Logging.Abstractions.NullLogger<ResponsesStore>.Instance);
    }

    public static TheoryData<Arrival> Arrivals => Fixture.Arrivals;

    public static TheoryData<string, string> Streams => new()
    {
        { "anthropic", "text" }, { "anthropic", "thinking" }, { "anthropic", "parallel_tools" }, { "anthropic", "max_tokens" },
        { "gemini", "text" }, { "gemini", "thinking" }, { "gemini", "parallel_tools" }, { "gemini", "max_tokens" }, { "gemini", "safety" },
        { "openai", "text" }, { "openai", "reasoning" }, { "openai", "parallel_tools" },
        { "bedrock", "text" }, { "bedrock", "reasoning" }, { "bedrock", "parallel_tools" },
    };

    private static IAnswerTranslator Translator(string provider) => provider switch
    {
        "anthropic" => new AnthropicAnswerTranslator(null, 1700000000),
        "gemini" => new GeminiAnswerTranslator(1700000000),
        "openai" => new OpenAIAnswerTranslator(1700000000),
        _ => new BedrockAnswerTranslator("anthropic.claude-sonnet-4-5-20250929-v1:0", null, 1700000000),
    };

    private static byte[] Read(string provider, string name) => provider == "bedrock" ? Fixture.ReadEvents(name) : Fixture.Read(provider, name);

    private async Task<(List<SseMessage> Events, ResponsesExchange Exchange)> WriteAsync(string provider, string fixture, Arrival arrival, bool store = false)
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var exchange = new ResponsesExchange("owner", DateTimeOffset.UtcNow.ToUnixTimeSeconds()) { Model = "alias", Store = store };
        var writer = new ResponsesStreamWriter(context, exchange, _responses, _seal, claim: null);
        var result = StreamFeed.Run(Translator(provider), Read(provider, fixture), arrival, writer);
        Assert.Null(result.Error);
        await writer.CompleteAsync(CancellationToken.None);
        return (SseEvents.ParseResponses(Encoding.UTF8.GetString(body.ToArray())), exchange);
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task Write_EveryProviderFixture_FollowsTheEventGrammarAndEndsWithTheWholeResponse(string provider, string fixture)
    {
        foreach (var arrival in new[] { Arrival.Whole, Arrival.RandomSplits, Arrival.ByteByByte })
        {
            var (events, exchange) = await WriteAsync(provider, fixture, arrival);

            var response = events[^1].Json.GetProperty("response");
            Assert.Equal(exchange.Id, response.GetProperty("id").GetString());
            Assert.Equal("alias", response.GetProperty("model").GetString());
            Assert.True(response.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0, "usage arrives with the terminal event");
        }
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public async Task Write_AnthropicThinkingThenText_ReasoningItemWithSummaryAndSealedSignatureFirst(Arrival arrival)
    {
        var (events, _) = await WriteAsync("anthropic", "thinking", arrival);

        var output = events[^1].Json.GetProperty("response").GetProperty("output");
        Assert.Equal(["reasoning", "message"], output.EnumerateArray().Select(i => i.GetProperty("type").GetString()));
        var reasoning = output[0];
        var summary = reasoning.GetProperty("summary")[0].GetProperty("text").GetString()!;
        Assert.Equal(summary, string.Concat(events.Where(e => e.Event == "response.reasoning_summary_text.delta").Select(e => e.Json.GetProperty("delta").GetString())));
        Assert.True(_seal.TryOpen(reasoning.GetProperty("encrypted_content").GetString()!, out var part), "the signature must come back sealed");
        Assert.Equal(summary, part.Text);
        Assert.False(string.IsNullOrEmpty(part.Signature));
        Assert.Equal("completed", events[^1].Json.GetProperty("response").GetProperty("status").GetString());
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public async Task Write_ParallelToolCalls_OneFunctionCallItemEachWithWholeArguments(Arrival arrival)
    {
        var (events, _) = await WriteAsync("anthropic", "parallel_tools", arrival);

        var calls = events[^1].Json.GetProperty("response").GetProperty("output").EnumerateArray().Where(i => i.GetProperty("type").GetString() == "function_call").ToList();
        Assert.Equal(["get_weather", "get_time"], calls.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal("toolu_01T1x1fJ34qAmk2tNTrN7Up6", calls[0].GetProperty("call_id").GetString());
        Assert.Equal("San Francisco, CA", JsonDocument.Parse(calls[0].GetProperty("arguments").GetString()!).RootElement.GetProperty("location").GetString());
        var argumentsDone = events.Where(e => e.Event == "response.function_call_arguments.done").Select(e => e.Json.GetProperty("arguments").GetString()).ToList();
        Assert.Equal(calls.Select(c => c.GetProperty("arguments").GetString()), argumentsDone);
    }

    [Theory]
    [InlineData("anthropic", "max_tokens", "max_output_tokens")]
    [InlineData("gemini", "max_tokens", "max_output_tokens")]
    [InlineData("gemini", "safety", "content_filter")]
    public async Task Write_AnswerCutShort_EndsWithResponseIncompleteAndItsReason(string provider, string fixture, string reason)
    {
        var (events, _) = await WriteAsync(provider, fixture, Arrival.Whole);

        Assert.Equal("response.incomplete", events[^1].Event);
        var response = events[^1].Json.GetProperty("response");
        Assert.Equal(("incomplete", reason), (response.GetProperty("status").GetString(), response.GetProperty("incomplete_details").GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Write_Stored_ResponseIsInTheStoreBeforeTheTerminalEvent()
    {
        var (events, exchange) = await WriteAsync("anthropic", "text", Arrival.Whole, store: true);

        var stored = await _store.FindAsync(exchange.Id, "owner", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(events[^1].Json.GetProperty("response").GetRawText(), Encoding.UTF8.GetString(stored.Response));
    }

    [Fact]
    public async Task Fail_AfterContent_SendsErrorThenResponseFailedWithWhatWasSaid()
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var writer = new ResponsesStreamWriter(context, new ResponsesExchange("owner", 1) { Model = "alias", Store = false }, _responses, _seal, claim: null);
        writer.TextDelta("Partial an"u8);

        await writer.FailAsync(new GatewayError(502, ErrorKind.Upstream, "the provider's stream broke off", "upstream_error"), CancellationToken.None);

        var events = SseEvents.ParseResponses(Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal(["error", "response.failed"], events.TakeLast(2).Select(e => e.Event));
        Assert.Equal("upstream_error", events[^2].Json.GetProperty("code").GetString());
        var response = events[^1].Json.GetProperty("response");
        Assert.Equal("failed", response.GetProperty("status").GetString());
        Assert.Equal("the provider's stream broke off", response.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("Partial an", response.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Fail_BeforeAnyContent_WritesNothingSoAnotherDeploymentMayAnswer()
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var writer = new ResponsesStreamWriter(context, new ResponsesExchange("owner", 1) { Model = "alias" }, _responses, _seal, claim: null);
        writer.ReportUsage(new TokenUsage(5, 0));

        await writer.FailAsync(new GatewayError(502, ErrorKind.Upstream, "down"), CancellationToken.None);

        Assert.Equal(0, body.Length);
        Assert.False(context.Response.HasStarted);
    }

    public void Dispose()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
