using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIResponses;

/// <summary><c>POST /v1/responses/compact</c>: summarised by the model where the provider has no compaction, passed through where it has.</summary>
public sealed class ResponsesCompactTests(ResponsesHost host) : IClassFixture<ResponsesHost>
{
    private const string Conversation = """
        [{"role":"user","content":"My name is Ada."},
         {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Nice to meet you, Ada."}]},
         {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
         {"type":"function_call_output","call_id":"call_1","output":"sunny"},
         {"role":"user","content":"Remember the weather."}]
        """;

    private async Task<(int Status, JsonElement Body)> PostAsync(string path, string json)
    {
        using var response = await host.Proxy.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    [Fact]
    public async Task Compact_TranslatedProvider_KeepsUserMessagesAndSealsTheModelsSummary()
    {
        var (status, body) = await PostAsync("/v1/responses/compact", $$"""{"model":"claude","input":{{Conversation}}}""");

        Assert.Equal(200, status);
        Assert.Equal("response.compaction", body.GetProperty("object").GetString());
        var output = body.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["My name is Ada.", "Remember the weather."], output.SkipLast(1).Select(i => i.GetProperty("content").GetString()));
        var compaction = output[^1];
        Assert.Equal("compaction", compaction.GetProperty("type").GetString());
        Assert.StartsWith("llmp1.", compaction.GetProperty("encrypted_content").GetString());
        Assert.True(body.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
        var asked = host.Anthropic.Requests[^1].Json.GetProperty("messages");
        Assert.Contains("Write a summary of the conversation above", asked[asked.GetArrayLength() - 1].GetRawText());
        Assert.Contains("sunny", asked.GetRawText()); // the tool result was there to be summarised
    }

    [Fact]
    public async Task Create_WithACompactionItem_TheSummaryStandsInItsPlace()
    {
        var (_, compacted) = await PostAsync("/v1/responses/compact", $$"""{"model":"claude","input":{{Conversation}}}""");
        var window = string.Join(",", compacted.GetProperty("output").EnumerateArray().Select(i => i.GetRawText()));

        var (status, _) = await PostAsync("/v1/responses", $$"""{"model":"gemini","input":[{{window}},{"role":"user","content":"What is my name?"}],"store":false}""");

        Assert.Equal(200, status);
        var sent = host.Gemini.Requests[^1].BodyText;
        Assert.Contains("Summary of the earlier part of this conversation", sent);
        Assert.Contains(ResponsesHost.ReplyOf("claude"), sent); // the fake Claude's answer was the summary
        Assert.DoesNotContain("llmp1.", sent);
    }

    [Fact]
    public async Task Create_WithATamperedCompaction_400NamesTheItem()
    {
        var (status, body) = await PostAsync("/v1/responses", """{"model":"claude","input":[{"type":"compaction","encrypted_content":"llmp1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},{"role":"user","content":"Go on."}]}""");

        Assert.Equal(400, status);
        Assert.Equal("input[0].encrypted_content", body.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Compact_NativeProvider_PassesThrough()
    {
        var (status, body) = await PostAsync("/v1/responses/compact", $$"""{"model":"openai","input":{{Conversation}}}""");

        Assert.Equal(200, status);
        Assert.Equal("gAAAAABfakeOpenAICompaction==", body.GetProperty("output").EnumerateArray().Last().GetProperty("encrypted_content").GetString());
        var sent = host.OpenAI.Requests[^1];
        Assert.Equal("/v1/responses/compact", sent.PathAndQuery);
        Assert.Equal("gpt-4.1", sent.Json.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("""{"model":"claude"}""", 400)]
    [InlineData("""{"model":"claude","input":"x","stream":true}""", 400)]
    [InlineData("""{"model":"claude","previous_response_id":"resp_nope"}""", 400)]
    [InlineData("""{"model":"nope","input":"x"}""", 400)]
    public async Task Compact_BadRequest_OpenAIError(string json, int expected)
    {
        var (status, body) = await PostAsync("/v1/responses/compact", json);

        Assert.Equal(expected, status);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
    }
}
