using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Testing;

/// <summary>
/// The bodies Anthropic's Messages API sends, per its API reference: the non-stream <c>message</c> object and the
/// stream (message_start, ping, content_block_start/delta/stop per block, message_delta, message_stop), answering
/// either with text or with one tool call, after a signed thinking block when the request enables thinking. A forced tool call (tool_choice any or tool) comes without the text
/// preamble, as the API sends it.
/// </summary>
public static class AnthropicStreamScript
{
    public const string Id = "msg_01XFDUDYJgAACzvnptvVoYEL";
    public const string ToolUseId = "toolu_01A09q90qw90lq917835lq9";

    /// <summary>Usage both forms report: 12 input tokens beside 30 cache reads and 5 cache writes, 9 output.</summary>
    public const string StartUsageJson = """{"input_tokens":12,"cache_creation_input_tokens":5,"cache_read_input_tokens":30,"output_tokens":1}""";

    /// <summary>The thinking block answered when the request enables extended thinking, and the signature the fake checks when it comes back.</summary>
    public const string ThinkingText = "The user asks about the weather, so I should call the tool.";
    public const string ThinkingSignature = "EqoBCkgIARABGAIiQL2uF8fakeSignatureForTests+/0A==";

    public static string Message(string model, string reply, string? toolName, bool forced = false, bool thinking = false)
    {
        var preamble = forced ? "" : """{"type":"text","text":"Let me check."},""";
        var thought = thinking ? $$$"""{"type":"thinking","thinking":"{{{ThinkingText}}}","signature":"{{{ThinkingSignature}}}"},""" : "";
        var content = toolName is null
            ? $$$"""[{{{thought}}}{"type":"text","text":{{{JsonSerializer.Serialize(reply)}}}}]"""
            : $$$"""[{{{thought}}}{{{preamble}}}{"type":"tool_use","id":"{{{ToolUseId}}}","name":"{{{toolName}}}","input":{"city":"Paris"}}]""";
        return $$$"""
            {"id":"{{{Id}}}","type":"message","role":"assistant","model":"{{{model}}}","content":{{{content}}},
             "stop_reason":"{{{(toolName is null ? "end_turn" : "tool_use")}}}","stop_sequence":null,
             "usage":{"input_tokens":12,"cache_creation_input_tokens":5,"cache_read_input_tokens":30,"output_tokens":9}}
            """;
    }

    public static async Task WriteAsync(HttpContext context, string model, string reply, string? toolName, bool forced = false, bool thinking = false)
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        await Event(context, "message_start", $$$"""{"type":"message_start","message":{"id":"{{{Id}}}","type":"message","role":"assistant","model":"{{{model}}}","content":[],"stop_reason":null,"stop_sequence":null,"usage":{{{StartUsageJson}}}}}""");
        await Event(context, "ping", """{"type": "ping"}""");
        var index = 0;
        if (thinking)
        {
            await Event(context, "content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}""");
            foreach (var piece in new[] { ThinkingText[..20], ThinkingText[20..] })
            {
                await Event(context, "content_block_delta", $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":{{{JsonSerializer.Serialize(piece)}}}}}""");
            }
            await Event(context, "content_block_delta", $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"{{{ThinkingSignature}}}"}}""");
            await Event(context, "content_block_stop", """{"type":"content_block_stop","index":0}""");
            index++;
        }
        if (toolName is null || !forced)
        {
            await Event(context, "content_block_start", $$$"""{"type":"content_block_start","index":{{{index}}},"content_block":{"type":"text","text":""}}""");
            var words = (toolName is null ? reply : "Let me check.").Split(' ');
            for (var i = 0; i < words.Length; i++)
            {
                var piece = i == 0 ? words[i] : " " + words[i];
                await Event(context, "content_block_delta", $$$"""{"type":"content_block_delta","index":{{{index}}},"delta":{"type":"text_delta","text":{{{JsonSerializer.Serialize(piece)}}}}}""");
            }
            await Event(context, "content_block_stop", $$$"""{"type":"content_block_stop","index":{{{index}}}}""");
            index++;
        }
        if (toolName is not null)
        {
            await Event(context, "content_block_start", $$$"""{"type":"content_block_start","index":{{{index}}},"content_block":{"type":"tool_use","id":"{{{ToolUseId}}}","name":"{{{toolName}}}","input":{}""" + "}}");
            foreach (var fragment in new[] { "", "{\"ci", "ty\": \"Par", "is\"}" })
            {
                await Event(context, "content_block_delta", $$$"""{"type":"content_block_delta","index":{{{index}}},"delta":{"type":"input_json_delta","partial_json":{{{JsonSerializer.Serialize(fragment)}}}}}""");
            }
            await Event(context, "content_block_stop", $$$"""{"type":"content_block_stop","index":{{{index}}}}""");
        }
        await Event(context, "message_delta", $$$"""{"type":"message_delta","delta":{"stop_reason":"{{{(toolName is null ? "end_turn" : "tool_use")}}}","stop_sequence":null},"usage":{"output_tokens":9}}""");
        await Event(context, "message_stop", """{"type":"message_stop"}""");
    }

    public static async Task Event(HttpContext context, string name, string json)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {name}\ndata: {json}\n\n"));
        await context.Response.Body.FlushAsync();
    }
}
