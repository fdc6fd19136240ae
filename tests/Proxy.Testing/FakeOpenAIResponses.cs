using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Testing;

/// <summary>
/// OpenAI's own Responses API (<c>POST /v1/responses</c>, Azure's <c>/openai/v1/responses</c>) as the fake OpenAI serves
/// it, per the API reference: the Response object, or the event stream with sequence numbers; a function call when
/// function tools are offered and the last input item is not a tool's output; responses kept unless <c>store</c> is
/// false, so <c>previous_response_id</c> resolves, and an unknown one answers 400 <c>previous_response_not_found</c>.
/// </summary>
public sealed class FakeOpenAIResponses
{
    private readonly ConcurrentDictionary<string, string> _stored = new();
    private int _next;

    public string Reply { get; set; } = "Hello from the fake Responses API";

    /// <summary>The ids of the responses this fake keeps.</summary>
    public ICollection<string> StoredIds => _stored.Keys;

    /// <summary>
    /// <c>POST /v1/responses/compact</c>: the input's user messages kept, and one compaction item of OpenAI's opaque
    /// (here made-up) ciphertext, as the API reference shows it.
    /// </summary>
    public async Task CompactAsync(HttpContext context, JsonElement body)
    {
        var users = body.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Array
            ? string.Join(",", input.EnumerateArray().Where(i => i.TryGetProperty("role", out var role) && role.GetString() == "user").Select(i => i.GetRawText()))
            : "";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$$"""
            {"id":"resp_compact{{{Interlocked.Increment(ref _next):D4}}}","object":"response.compaction","created_at":1741476542,
             "output":[{{{users}}}{{{(users.Length > 0 ? "," : "")}}}{"id":"cmp_fake","type":"compaction","encrypted_content":"gAAAAABfakeOpenAICompaction=="}],
             "usage":{"input_tokens":120,"input_tokens_details":{"cached_tokens":0},"output_tokens":40,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":160}}
            """);
    }

    public async Task HandleAsync(HttpContext context, JsonElement body)
    {
        if (!body.TryGetProperty("input", out var input) || input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            await FakeOpenAI.WriteErrorAsync(context, 400, """{"error":{"message":"Missing required parameter: 'input'.","type":"invalid_request_error","param":"input","code":"missing_required_parameter"}}""");
            return;
        }
        if (body.TryGetProperty("previous_response_id", out var previous) && previous.ValueKind == JsonValueKind.String && !_stored.ContainsKey(previous.GetString()!))
        {
            await FakeOpenAI.WriteErrorAsync(context, 400, $$$"""{"error":{"message":"Previous response with id '{{{previous.GetString()}}}' not found.","type":"invalid_request_error","param":"previous_response_id","code":"previous_response_not_found"}}""");
            return;
        }
        var id = $"resp_fake{Interlocked.Increment(ref _next):D4}";
        var model = body.GetProperty("model").GetString()!;
        var lastIsToolOutput = input.ValueKind == JsonValueKind.Array && input.GetArrayLength() > 0 && input[input.GetArrayLength() - 1].TryGetProperty("type", out var lastType)
            && lastType.GetString() == "function_call_output";
        var tool = !lastIsToolOutput && body.TryGetProperty("tools", out var tools) && tools.GetArrayLength() > 0 ? tools[0].GetProperty("name").GetString() : null;
        var item = tool is null
            ? $$$"""{"id":"msg_{{{id}}}","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"logprobs":[],"text":{{{JsonSerializer.Serialize(Reply)}}}}],"role":"assistant"}"""
            : $$"""{"id":"fc_{{id}}","type":"function_call","status":"completed","arguments":"{\"city\":\"Paris\"}","call_id":"call_{{id}}","name":"{{tool}}"}""";
        var store = !body.TryGetProperty("store", out var storeJson) || storeJson.ValueKind != JsonValueKind.False;
        string Response(string status, string output, string usage) =>
            $$$"""{"id":"{{{id}}}","object":"response","created_at":1741476542,"status":"{{{status}}}","background":false,"error":null,"incomplete_details":null,"instructions":null,"max_output_tokens":null,"model":"{{{model}}}-2025-04-14","output":[{{{output}}}],"parallel_tool_calls":true,"previous_response_id":{{{(previous.ValueKind == JsonValueKind.String ? $"\"{previous.GetString()}\"" : "null")}}},"reasoning":{"effort":null,"summary":null},"store":{{{(store ? "true" : "false")}}},"temperature":1.0,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1.0,"truncation":"disabled","usage":{{{usage}}},"user":null,"metadata":{}}""";
        const string Usage = """{"input_tokens":14,"input_tokens_details":{"cached_tokens":4},"output_tokens":6,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":20}""";
        var final = Response("completed", item, Usage);
        if (store)
        {
            _stored[id] = final;
        }
        if (!(body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True))
        {
            context.Response.ContentType = "application/json";
            context.Response.Headers["x-request-id"] = "req_fake_responses";
            await context.Response.WriteAsync(final);
            return;
        }
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        var sequence = 0;
        async Task Event(string type, string members)
        {
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {type}\ndata: {{\"type\":\"{type}\",\"sequence_number\":{sequence++},{members}}}\n\n"));
            await context.Response.Body.FlushAsync();
        }
        var opening = Response("in_progress", "", "null");
        await Event("response.created", $"\"response\":{opening}");
        await Event("response.in_progress", $"\"response\":{opening}");
        if (tool is null)
        {
            await Event("response.output_item.added", $$"""
                "output_index":0,"item":{"id":"msg_{{id}}","type":"message","status":"in_progress","content":[],"role":"assistant"}
                """);
            await Event("response.content_part.added", $$"""
                "item_id":"msg_{{id}}","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""}
                """);
            foreach (var word in Reply.Split(' ').Select((w, i) => i == 0 ? w : " " + w))
            {
                await Event("response.output_text.delta", $$"""
                    "item_id":"msg_{{id}}","output_index":0,"content_index":0,"delta":{{JsonSerializer.Serialize(word)}},"logprobs":[]
                    """);
            }
            await Event("response.output_text.done", $$"""
                "item_id":"msg_{{id}}","output_index":0,"content_index":0,"text":{{JsonSerializer.Serialize(Reply)}},"logprobs":[]
                """);
            await Event("response.content_part.done", $$"""
                "item_id":"msg_{{id}}","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":{{JsonSerializer.Serialize(Reply)}}}
                """);
        }
        else
        {
            await Event("response.output_item.added", $$"""
                "output_index":0,"item":{"id":"fc_{{id}}","type":"function_call","status":"in_progress","arguments":"","call_id":"call_{{id}}","name":"{{tool}}"}
                """);
            foreach (var fragment in new[] { "{\\\"city\\\":", "\\\"Paris\\\"}" })
            {
                await Event("response.function_call_arguments.delta", $$"""
                    "item_id":"fc_{{id}}","output_index":0,"delta":"{{fragment}}"
                    """);
            }
            await Event("response.function_call_arguments.done", $$"""
                "item_id":"fc_{{id}}","output_index":0,"arguments":"{\"city\":\"Paris\"}"
                """);
        }
        await Event("response.output_item.done", $"\"output_index\":0,\"item\":{item}");
        await Event("response.completed", $"\"response\":{final}");
    }

    /// <summary><c>GET</c> or <c>DELETE /v1/responses/{id}</c>, for the fake's own kept responses.</summary>
    public async Task HandleStoredAsync(HttpContext context, string id)
    {
        if (!_stored.TryGetValue(id, out var response))
        {
            await FakeOpenAI.WriteErrorAsync(context, 404, $$$"""{"error":{"message":"Response with id '{{{id}}}' not found.","type":"invalid_request_error","param":null,"code":null}}""");
            return;
        }
        context.Response.ContentType = "application/json";
        if (HttpMethods.IsDelete(context.Request.Method))
        {
            _stored.TryRemove(id, out _);
            await context.Response.WriteAsync($$"""{"id":"{{id}}","object":"response","deleted":true}""");
            return;
        }
        await context.Response.WriteAsync(response);
    }
}
