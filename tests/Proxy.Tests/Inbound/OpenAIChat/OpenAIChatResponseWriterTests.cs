using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Providers.Anthropic;

namespace LlmProxy.Tests.Inbound.OpenAIChat;

/// <summary>A non-stream Claude answer, translated, as an OpenAI client receives it.</summary>
public sealed class OpenAIChatResponseWriterTests
{
    [Fact]
    public async Task Complete_ThinkingTextAndToolUse_BecomeReasoningContentContentAndToolCalls()
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var writer = new OpenAIChatResponseWriter(context, claim: null);
        var error = new AnthropicAnswerTranslator(null, 1700000000).TranslateBody(Encoding.UTF8.GetBytes("""
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-x","stop_reason":"tool_use",
             "usage":{"input_tokens":10,"cache_read_input_tokens":90,"cache_creation_input_tokens":5,"output_tokens":7},
             "content":[{"type":"thinking","thinking":"weather needs a tool","signature":"sig"},
                        {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]}
            """), writer);

        await writer.CompleteAsync(CancellationToken.None);

        Assert.Null(error);
        var completion = JsonDocument.Parse(body.ToArray()).RootElement;
        Assert.Equal(("msg_1", "chat.completion", "claude-x"), (completion.GetProperty("id").GetString(), completion.GetProperty("object").GetString(), completion.GetProperty("model").GetString()));
        var choice = completion.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind); // only tool calls: content is null, as OpenAI sends it
        Assert.Equal("weather needs a tool", message.GetProperty("reasoning_content").GetString());
        Assert.Equal("""[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]""", message.GetProperty("tool_calls").GetRawText());
        var usage = completion.GetProperty("usage");
        // Claude's input_tokens excludes cache reads and writes; OpenAI's prompt_tokens includes them.
        Assert.Equal((105, 7, 90), (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(),
            usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32()));
    }
}
