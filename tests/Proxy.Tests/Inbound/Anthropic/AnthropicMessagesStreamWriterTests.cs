using System.Text;
using Microsoft.AspNetCore.Http;
using LlmProxy.Inbound.Anthropic;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Testing;
using LlmProxy.Tests.Fixtures;

namespace LlmProxy.Tests.Inbound.Anthropic;

/// <summary>OpenAI-format provider streams, translated, as an Anthropic client receives them.</summary>
public sealed class AnthropicMessagesStreamWriterTests
{
    public static TheoryData<Arrival> Arrivals => Fixture.Arrivals;

    private static async Task<List<SseMessage>> WriteAsync(string openAIFixture, Arrival arrival)
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var writer = new AnthropicMessagesStreamWriter(context, claim: null);
        var result = StreamFeed.Run(new OpenAIAnswerTranslator(1700000000), Fixture.Read("openai", openAIFixture), arrival, writer);
        Assert.Null(result.Error);
        await writer.CompleteAsync(CancellationToken.None);
        Assert.Equal("text/event-stream", context.Response.ContentType);
        return SseEvents.ParseAnthropic(Encoding.UTF8.GetString(body.ToArray()));
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public async Task Write_TextStream_FollowsTheGrammarWithUsageInMessageDelta(Arrival arrival)
    {
        var events = await WriteAsync("text", arrival);

        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            events.Select(e => e.Event));
        Assert.Equal("chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", events[0].Json.GetProperty("message").GetProperty("id").GetString());
        Assert.Equal("""{"type":"text","text":""}""", events[1].Json.GetProperty("content_block").GetRawText());
        Assert.Equal("Café \"ouvert\" today.", string.Concat(events.Where(e => e.Event == "content_block_delta").Select(e => e.Json.GetProperty("delta").GetProperty("text").GetString())));
        var delta = events[^2].Json;
        Assert.Equal("end_turn", delta.GetProperty("delta").GetProperty("stop_reason").GetString());
        // OpenAI's 19 prompt tokens include 3 cached: Anthropic counts them apart.
        Assert.Equal("""{"input_tokens":16,"cache_creation_input_tokens":0,"cache_read_input_tokens":3,"output_tokens":10}""", delta.GetProperty("usage").GetRawText());
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public async Task Write_ParallelToolCalls_BecomeToolUseBlocksWithInputJsonDeltas(Arrival arrival)
    {
        var events = await WriteAsync("parallel_tools", arrival);

        var starts = events.Where(e => e.Event == "content_block_start").Select(e => e.Json.GetProperty("content_block")).ToList();
        Assert.Equal(["""{"type":"tool_use","id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","name":"get_weather","input":{}}""",
            """{"type":"tool_use","id":"call_2ZaZp0f0vBtbQ7Yd5WyY8QeK","name":"get_time","input":{}}"""], starts.Select(s => s.GetRawText()));
        string Arguments(int block) => string.Concat(events.Where(e => e.Event == "content_block_delta" && e.Json.GetProperty("index").GetInt32() == block)
            .Select(e => e.Json.GetProperty("delta")).Select(d => d.GetProperty("type").GetString() == "input_json_delta" ? d.GetProperty("partial_json").GetString() : "?"));
        Assert.Equal("{\"location\": \"Paris\"}", Arguments(0));
        Assert.Equal("{\"tz\": \"CET\"}", Arguments(1));
        Assert.Equal("tool_use", events[^2].Json.GetProperty("delta").GetProperty("stop_reason").GetString());
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public async Task Write_Reasoning_BecomesAThinkingBlockBeforeText(Arrival arrival)
    {
        var events = await WriteAsync("reasoning", arrival);

        var blocks = events.Where(e => e.Event == "content_block_start").Select(e => e.Json.GetProperty("content_block").GetProperty("type").GetString());
        Assert.Equal(["thinking", "text"], blocks);
        Assert.Equal("thinking_delta", events[2].Json.GetProperty("delta").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Fail_BeforeContent_WritesNothingSoAnotherDeploymentCanAnswer()
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var writer = new AnthropicMessagesStreamWriter(context, claim: null);
        writer.Start(new LlmProxy.Canonical.StreamStart("msg_1", "m", 0));

        await writer.FlushAsync(CancellationToken.None);
        await writer.FailAsync(new LlmProxy.Canonical.GatewayError(502, LlmProxy.Canonical.ErrorKind.Upstream, "cut off"), CancellationToken.None);

        Assert.Equal(0, body.Length);
        Assert.Null(context.Response.ContentType);
    }

    [Fact]
    public async Task Fail_AfterContent_WritesAnErrorEvent()
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var writer = new AnthropicMessagesStreamWriter(context, claim: null);
        writer.Start(new LlmProxy.Canonical.StreamStart("msg_1", "m", 0));
        writer.TextDelta("Hi"u8);

        await writer.FailAsync(new LlmProxy.Canonical.GatewayError(502, LlmProxy.Canonical.ErrorKind.Upstream, "cut off") { Type = "overloaded_error" }, CancellationToken.None);

        var last = SseEvents.Parse(Encoding.UTF8.GetString(body.ToArray()))[^1];
        Assert.Equal("error", last.Event);
        Assert.Equal("""{"type":"error","error":{"type":"overloaded_error","message":"cut off"}}""", last.Data);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public async Task Write_InterleavedParallelCallArguments_EveryCallKeepsItsOwnInput(Arrival arrival)
    {
        // Two calls' headers first, then their fragments alternating: legal in Chat Completions, sequential in Messages.
        var chunk = (string delta) => $"data: {{\"id\":\"c\",\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"finish_reason\":null}}]}}\n\n";
        var stream = chunk("""{"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":""}}]}""")
            + chunk("""{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"get_time","arguments":""}}]}""")
            + chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}""")
            + chunk("""{"tool_calls":[{"index":1,"function":{"arguments":"{\"tz\":"}}]}""")
            + chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}""")
            + chunk("""{"tool_calls":[{"index":1,"function":{"arguments":"\"CET\"}"}}]}""")
            + "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n";
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var writer = new AnthropicMessagesStreamWriter(context, claim: null);
        Assert.Null(StreamFeed.Run(new OpenAIAnswerTranslator(0), Encoding.UTF8.GetBytes(stream), arrival, writer).Error);
        await writer.CompleteAsync(CancellationToken.None);

        var events = SseEvents.ParseAnthropic(Encoding.UTF8.GetString(body.ToArray()));
        var inputs = new Dictionary<int, StringBuilder>();
        foreach (var e in events.Where(e => e.Event == "content_block_delta"))
        {
            var index = e.Json.GetProperty("index").GetInt32();
            (inputs.TryGetValue(index, out var input) ? input : inputs[index] = new StringBuilder()).Append(e.Json.GetProperty("delta").GetProperty("partial_json").GetString());
        }
        Assert.Equal(["{\"city\":\"Paris\"}", "{\"tz\":\"CET\"}"], inputs.OrderBy(p => p.Key).Select(p => p.Value.ToString()));
        Assert.Equal(["get_weather", "get_time"], events.Where(e => e.Event == "content_block_start").Select(e => e.Json.GetProperty("content_block").GetProperty("name").GetString()));
    }
}
