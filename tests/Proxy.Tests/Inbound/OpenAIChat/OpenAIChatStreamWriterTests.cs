using System.Text;
using Microsoft.AspNetCore.Http;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Testing;
using LlmProxy.Tests.Fixtures;

namespace LlmProxy.Tests.Inbound.OpenAIChat;

/// <summary>Anthropic provider streams, translated, as an OpenAI client receives them.</summary>
public sealed class OpenAIChatStreamWriterTests
{
    public static TheoryData<Arrival> Arrivals => Fixture.Arrivals;

    private static async Task<List<SseMessage>> WriteAsync(string anthropicFixture, Arrival arrival, bool includeUsage)
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var writer = new OpenAIChatStreamWriter(context, includeUsage, claim: null);
        var result = StreamFeed.Run(new AnthropicAnswerTranslator(null, 1700000000), Fixture.Read("anthropic", anthropicFixture), arrival, writer);
        Assert.Null(result.Error);
        await writer.CompleteAsync(CancellationToken.None);
        var events = SseEvents.Parse(Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal("[DONE]", events[^1].Data);
        events.RemoveAt(events.Count - 1);
        return events;
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public async Task Write_ParallelToolCalls_IndexPerCallIdAndNameFirstArgumentsAfter(Arrival arrival)
    {
        var chunks = await WriteAsync("parallel_tools", arrival, includeUsage: true);

        Assert.All(chunks, c => Assert.Equal("msg_014p7gG3wDgGV9EUtLvnow3U", c.Json.GetProperty("id").GetString()));
        Assert.Equal("""{"role":"assistant","content":""}""", chunks[0].Json.GetProperty("choices")[0].GetProperty("delta").GetRawText());
        var toolDeltas = chunks.Skip(1).Select(c => c.Json.GetProperty("choices")).Where(c => c.GetArrayLength() > 0)
            .Select(c => c[0].GetProperty("delta")).Where(d => d.TryGetProperty("tool_calls", out _)).Select(d => d.GetProperty("tool_calls")[0]).ToList();
        Assert.Equal("""{"index":0,"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function","function":{"name":"get_weather","arguments":""}}""", toolDeltas[0].GetRawText());
        Assert.Equal("""{"index":0,"function":{"arguments":"{\"location\":"}}""", toolDeltas[1].GetRawText());
        string Arguments(int index) => string.Concat(toolDeltas.Where(t => t.GetProperty("index").GetInt32() == index)
            .Select(t => t.GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal("{\"location\": \"San Francisco, CA\"}", Arguments(0));
        Assert.Equal("{\"timezone\": \"America/New_York\"}", Arguments(1));
        Assert.Equal("toolu_01NBkPAmbSDa2v2TM3xnqzzQ", toolDeltas.Single(t => t.TryGetProperty("id", out _) && t.GetProperty("index").GetInt32() == 1).GetProperty("id").GetString());
        var finish = chunks[^2].Json.GetProperty("choices")[0];
        Assert.Equal("tool_calls", finish.GetProperty("finish_reason").GetString());
        var usage = chunks[^1].Json;
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.Equal(472, usage.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public async Task Write_Thinking_BecomesReasoningContentDeltas(Arrival arrival)
    {
        var chunks = await WriteAsync("thinking", arrival, includeUsage: false);

        var deltas = chunks.Select(c => c.Json.GetProperty("choices")[0].GetProperty("delta")).ToList();
        Assert.Equal("27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231",
            string.Concat(deltas.Where(d => d.TryGetProperty("reasoning_content", out _)).Select(d => d.GetProperty("reasoning_content").GetString())));
        Assert.Equal("27 * 453 = 12,231", string.Concat(deltas.Where(d => d.TryGetProperty("content", out _)).Select(d => d.GetProperty("content").GetString())));
        Assert.DoesNotContain(chunks, c => c.Json.TryGetProperty("usage", out var u) && u.ValueKind == System.Text.Json.JsonValueKind.Object);
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public async Task Write_TextWithCacheUsage_ReportsCachedTokensInsidePromptTokens(Arrival arrival)
    {
        var chunks = await WriteAsync("text", arrival, includeUsage: true);

        var usage = chunks[^1].Json.GetProperty("usage");
        Assert.Equal(2125, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(2000, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal("stop", chunks[^2].Json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }
}
