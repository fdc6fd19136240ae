using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Testing;

/// <summary>
/// The fake's legacy <c>POST /v1/completions</c> (https://platform.openai.com/docs/api-reference/completions/object):
/// the reply as one <c>text_completion</c>, or streamed a word a chunk, then a finish chunk, the usage chunk when
/// <c>stream_options.include_usage</c> asks for it, and <c>[DONE]</c>; usage 5 prompt and 7 completion tokens.
/// </summary>
public static class FakeOpenAICompletions
{
    public const string Id = "cmpl-fake123";

    public static async Task WriteAsync(HttpContext context, JsonElement body, string reply)
    {
        if (!body.TryGetProperty("prompt", out _))
        {
            await FakeOpenAI.WriteErrorAsync(context, 400, """{"error":{"message":"Missing required parameter: 'prompt'.","type":"invalid_request_error","param":"prompt","code":"missing_required_parameter"}}""");
            return;
        }
        var model = body.GetProperty("model").GetString();
        const string usage = """{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}""";
        if (!(body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True))
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"id":"{{Id}}","object":"text_completion","created":1733000000,"model":"{{model}}","choices":[{"text":{{JsonSerializer.Serialize(reply)}},"index":0,"logprobs":null,"finish_reason":"stop"}],"usage":{{usage}}}""");
            return;
        }
        context.Response.ContentType = "text/event-stream";
        var words = reply.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            await Chunk($$"""{"text":{{JsonSerializer.Serialize(i == 0 ? words[i] : " " + words[i])}},"index":0,"logprobs":null,"finish_reason":null}""");
        }
        await Chunk("""{"text":"","index":0,"logprobs":null,"finish_reason":"stop"}""");
        if (body.TryGetProperty("stream_options", out var options) && options.TryGetProperty("include_usage", out var include) && include.ValueKind == JsonValueKind.True)
        {
            await context.Response.WriteAsync($$"""data: {"id":"{{Id}}","object":"text_completion","created":1733000000,"model":"{{model}}","choices":[],"usage":{{usage}}}""" + "\n\n");
        }
        await context.Response.WriteAsync("data: [DONE]\n\n");

        Task Chunk(string choice) =>
            context.Response.WriteAsync($$"""data: {"id":"{{Id}}","object":"text_completion","created":1733000000,"model":"{{model}}","choices":[{{choice}}]}""" + "\n\n");
    }
}
