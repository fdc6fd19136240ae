using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmProxy.IntegrationTests.Translation;

/// <summary>
/// One row of the translation matrix: what a client of each dialect sends (null where the dialect cannot say it),
/// what it must end up with from a provider of each wire format, and what the provider must have received.
/// </summary>
public sealed partial record MatrixScenario(
    string Name,
    Func<string, bool, string>? OpenAIRequest,
    Func<string, bool, string>? AnthropicRequest,
    Func<string, ClientOutcome> Expected,
    Func<string, bool, JsonElement, IEnumerable<string>>? Received = null)
{
    private static readonly Usage NoCache = new(0, 0, 0, 0);

    /// <summary>What a Responses API client sends; null where that dialect cannot say it (it has no stop sequences).</summary>
    public Func<string, bool, string>? ResponsesRequest { get; init; }

    /// <summary>What a legacy Completions client sends; null where that dialect cannot say it (no tools, no conversation).</summary>
    public Func<string, bool, string>? CompletionsRequest { get; init; }

    public override string ToString() => Name;

    public static readonly IReadOnlyList<MatrixScenario> All =
    [
        new("text", Ask("Say hello."), AskAnthropic("Say hello."), _ => Answer("Hello there, traveller.", "stop", new Usage(20, 6, 0, 0)))
        {
            ResponsesRequest = AskResponses("Say hello."),
            CompletionsRequest = AskCompletions("Say hello."),
        },
        new("no_arg_tool", Ask("Rest a while.", tools: Snooze), AskAnthropic("Rest a while.", tools: SnoozeAnthropic),
            _ => new ClientOutcome("", ["snooze({})"], "tool_calls", null, new Usage(30, 8, 0, 0), []))
        {
            ResponsesRequest = AskResponses("Rest a while.", tools: SnoozeResponses),
        },
        new("parallel_tools", Ask("Weather and time in Paris?", tools: WeatherAndTime), AskAnthropic("Weather and time in Paris?", tools: WeatherAndTimeAnthropic),
            _ => new ClientOutcome("Checking both.", ["get_weather({\"location\":\"Paris\"})", "get_time({\"tz\":\"CET\"})"], "tool_calls", null,
                new Usage(40, 25, 0, 0), []))
        {
            ResponsesRequest = AskResponses("Weather and time in Paris?", tools: WeatherAndTimeResponses),
        },
        new("stop_sequence", Ask("Count.", extra: "\"stop\":[\"###\"]"), AskAnthropic("Count.", extra: "\"stop_sequences\":[\"###\"]"),
            // OpenAI says only "stop" and Gemini only STOP: neither says a stop sequence matched.
            format => format is "openai" or "gemini" ? Answer("Counting: 1, 2, 3", "stop", new Usage(12, 7, 0, 0))
                : new ClientOutcome("Counting: 1, 2, 3", [], "stop_sequence", "###", new Usage(12, 7, 0, 0), []))
        {
            CompletionsRequest = AskCompletions("Count.", extra: "\"stop\":[\"###\"]"),
        },
        new("length", Ask("Say a lot.", maxTokens: 4), AskAnthropic("Say a lot.", maxTokens: 4), _ => Answer("This answer is cut", "length", new Usage(12, 4, 0, 0)))
        {
            ResponsesRequest = AskResponses("Say a lot.", maxTokens: 4),
            CompletionsRequest = AskCompletions("Say a lot.", maxTokens: 4),
        },
        new("content_filter", Ask("Something risky."), AskAnthropic("Something risky."), _ => Answer("I can", "content_filter", new Usage(15, 2, 0, 0)))
        {
            ResponsesRequest = AskResponses("Something risky."),
            CompletionsRequest = AskCompletions("Something risky."),
        },
        new("usage_cache", Ask("Again."), AskAnthropic("Again."),
            // Only Anthropic and Bedrock count cache writes; OpenAI and Gemini count them as plain input.
            format => Answer("Cached.", "stop", new Usage(1210, 5, 1000, format is "anthropic" or "bedrock" ? 200 : 0)))
        {
            ResponsesRequest = AskResponses("Again."),
            CompletionsRequest = AskCompletions("Again."),
        },
        new("tool_result_image", null, ImageToolResult, _ => Answer("Hello there, traveller.", "stop", new Usage(20, 6, 0, 0)), ReceivedImage)
        {
            ResponsesRequest = ImageToolResultResponses,
        },
        new("foreign_ids", ForeignIds, ForeignIdsAnthropic, _ => Answer("Hello there, traveller.", "stop", new Usage(20, 6, 0, 0)), ReceivedForeignIds)
        {
            ResponsesRequest = ForeignIdsResponses,
        },
    ];

    /// <summary>The request a client of <paramref name="dialect"/> sends for this scenario; null where the dialect cannot say it.</summary>
    public Func<string, bool, string>? RequestFor(string dialect) => dialect switch
    {
        "openai" => OpenAIRequest,
        "anthropic" => AnthropicRequest,
        "completions" => CompletionsRequest,
        _ => ResponsesRequest,
    };

    /// <summary>What a client of <paramref name="dialect"/> can see of the expected outcome: Chat Completions and Responses have no stop sequence or cache-write field.</summary>
    public ClientOutcome ExpectedFor(string format, string dialect)
    {
        var expected = Expected(format);
        return dialect is "openai" or "responses" or "completions"
            ? expected with { Finish = expected.Finish == "stop_sequence" ? "stop" : expected.Finish, StopSequence = null, Usage = expected.Usage with { CacheWrite = null } }
            : expected;
    }

    private static ClientOutcome Answer(string text, string finish, Usage usage) => new(text, [], finish, null, usage, []);

    private const string Snooze = """[{"type":"function","function":{"name":"snooze","description":"Wait a bit","parameters":{"type":"object","properties":{}}}}]""";
    private const string SnoozeAnthropic = """[{"name":"snooze","description":"Wait a bit","input_schema":{"type":"object","properties":{}}}]""";
    private const string WeatherAndTime = """[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"location":{"type":"string"}}}}},{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"tz":{"type":"string"}}}}}]""";
    private const string WeatherAndTimeAnthropic = """[{"name":"get_weather","input_schema":{"type":"object","properties":{"location":{"type":"string"}}}},{"name":"get_time","input_schema":{"type":"object","properties":{"tz":{"type":"string"}}}}]""";
    private const string Png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    private const string SnoozeResponses = """[{"type":"function","name":"snooze","description":"Wait a bit","parameters":{"type":"object","properties":{}}}]""";
    private const string WeatherAndTimeResponses = """[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"location":{"type":"string"}}}},{"type":"function","name":"get_time","parameters":{"type":"object","properties":{"tz":{"type":"string"}}}}]""";

    private static Func<string, bool, string> AskCompletions(string prompt, string? extra = null, int maxTokens = 64) =>
        (model, stream) => $$"""{"model":"{{model}}","max_tokens":{{maxTokens}},"prompt":"{{prompt}}"{{(extra is null ? "" : "," + extra)}},"stream":{{(stream ? "true,\"stream_options\":{\"include_usage\":true}" : "false")}}}""";

    private static Func<string, bool, string> AskResponses(string prompt, string? tools = null, int maxTokens = 64) =>
        (model, stream) => Responses(model, stream, $$"""[{"role":"user","content":"{{prompt}}"}]""", tools, maxTokens);

    private static string Responses(string model, bool stream, string input, string? tools, int maxTokens) =>
        $$"""{"model":"{{model}}","max_output_tokens":{{maxTokens}},"input":{{input}}{{(tools is null ? "" : ",\"tools\":" + tools)}},"store":false,"stream":{{(stream ? "true" : "false")}}}""";

    private static string ImageToolResultResponses(string model, bool stream) => Responses(model, stream, $$$"""
        [{"role":"user","content":"Read a.png"},
         {"type":"function_call","call_id":"toolu_R1","name":"read_image","arguments":"{\"path\":\"a.png\"}"},
         {"type":"function_call_output","call_id":"toolu_R1","output":[{"type":"input_image","image_url":"data:image/png;base64,{{{Png}}}"},{"type":"input_text","text":"Read image file"}]}]
        """, """[{"type":"function","name":"read_image","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}]""", 64);

    private static string ForeignIdsResponses(string model, bool stream) => Responses(model, stream, """
        [{"role":"user","content":"List files"},
         {"type":"function_call","call_id":"functions.Bash:0","name":"Bash","arguments":"{\"command\":\"ls\"}"},
         {"type":"function_call_output","call_id":"functions.Bash:0","output":"a.txt"}]
        """, """[{"type":"function","name":"Bash","parameters":{"type":"object","properties":{"command":{"type":"string"}}}}]""", 64);

    private static Func<string, bool, string> Ask(string prompt, string? tools = null, string? extra = null, int maxTokens = 64) =>
        (model, stream) => OpenAI(model, stream, $$"""[{"role":"user","content":"{{prompt}}"}]""", tools, extra, maxTokens);

    private static Func<string, bool, string> AskAnthropic(string prompt, string? tools = null, string? extra = null, int maxTokens = 64) =>
        (model, stream) => Anthropic(model, stream, $$"""[{"role":"user","content":"{{prompt}}"}]""", tools, extra, maxTokens);

    private static string OpenAI(string model, bool stream, string messages, string? tools, string? extra, int maxTokens) =>
        $$"""{"model":"{{model}}","max_tokens":{{maxTokens}},"messages":{{messages}}{{(tools is null ? "" : ",\"tools\":" + tools)}}{{(extra is null ? "" : "," + extra)}},"stream":{{(stream ? "true,\"stream_options\":{\"include_usage\":true}" : "false")}}}""";

    private static string Anthropic(string model, bool stream, string messages, string? tools, string? extra, int maxTokens) =>
        $$"""{"model":"{{model}}","max_tokens":{{maxTokens}},"messages":{{messages}}{{(tools is null ? "" : ",\"tools\":" + tools)}}{{(extra is null ? "" : "," + extra)}},"stream":{{(stream ? "true" : "false")}}}""";

    // The issue's own input: a tool result holding an image and text, from an Anthropic client.
    private static string ImageToolResult(string model, bool stream) => Anthropic(model, stream, $$$"""
        [{"role":"user","content":"Read a.png"},
         {"role":"assistant","content":[{"type":"tool_use","id":"toolu_R1","name":"read_image","input":{"path":"a.png"}}]},
         {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_R1","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"{{{Png}}}"}},{"type":"text","text":"Read image file"}]}]}]
        """, """[{"name":"read_image","input_schema":{"type":"object","properties":{"path":{"type":"string"}}}}]""", null, 64);

    // The issue's own input: an id some OpenAI-compatible servers mint, which Anthropic and Bedrock refuse as it is.
    private static string ForeignIds(string model, bool stream) => OpenAI(model, stream, """
        [{"role":"user","content":"List files"},
         {"role":"assistant","content":null,"tool_calls":[{"id":"functions.Bash:0","type":"function","function":{"name":"Bash","arguments":"{\"command\":\"ls\"}"}}]},
         {"role":"tool","tool_call_id":"functions.Bash:0","content":"a.txt"}]
        """, BashTool, null, 64);

    private static string ForeignIdsAnthropic(string model, bool stream) => Anthropic(model, stream, """
        [{"role":"user","content":"List files"},
         {"role":"assistant","content":[{"type":"tool_use","id":"functions.Bash:0","name":"Bash","input":{"command":"ls"}}]},
         {"role":"user","content":[{"type":"tool_result","tool_use_id":"functions.Bash:0","content":"a.txt"}]}]
        """, """[{"name":"Bash","input_schema":{"type":"object","properties":{"command":{"type":"string"}}}}]""", null, 64);

    private const string BashTool = """[{"type":"function","function":{"name":"Bash","parameters":{"type":"object","properties":{"command":{"type":"string"}}}}}]""";

    /// <summary>The image must reach the provider in its own shape for tool output (a problem per rule broken).</summary>
    private static IEnumerable<string> ReceivedImage(string format, bool passThrough, JsonElement body)
    {
        var dataUrl = "data:image/png;base64," + Png;
        var text = body.GetRawText();
        switch (format)
        {
            case "openai":
                var messages = body.GetProperty("messages").EnumerateArray().ToList();
                var tool = messages.FindIndex(m => m.GetProperty("role").GetString() == "tool");
                if (tool < 0 || messages[tool].GetProperty("content").GetString() != "Read image file")
                {
                    yield return "no tool message with the result's text";
                }
                else if (tool + 1 >= messages.Count || messages[tool + 1].GetProperty("role").GetString() != "user"
                    || !messages[tool + 1].GetProperty("content").GetRawText().Contains(dataUrl, StringComparison.Ordinal))
                {
                    yield return "no user message after the tool message carrying the image as a data URL";
                }
                break;
            case "anthropic":
                if (!text.Contains("\"type\":\"image\"", StringComparison.Ordinal))
                {
                    yield return "the tool_result lost its image";
                }
                break;
            case "gemini":
                var parts = body.GetProperty("contents")[2].GetProperty("parts").GetRawText();
                if (!parts.Contains("\"functionResponse\"", StringComparison.Ordinal) || !parts.Contains("\"inlineData\":{\"mimeType\":\"image/png\"", StringComparison.Ordinal))
                {
                    yield return $"no inlineData image beside the functionResponse: {parts}";
                }
                break;
            case "bedrock":
                var result = body.GetProperty("messages")[2].GetProperty("content")[0].GetProperty("toolResult").GetProperty("content").GetRawText();
                if (!result.Contains("\"image\":{\"format\":\"png\",\"source\":{\"bytes\":\"" + Png, StringComparison.Ordinal) || !result.Contains("Read image file", StringComparison.Ordinal))
                {
                    yield return $"toolResult.content lacks the image block or the text: {result}";
                }
                break;
        }
    }

    /// <summary>Ids the provider accepts, still pairing each call with its result; a pass-through forwards them untouched.</summary>
    private static IEnumerable<string> ReceivedForeignIds(string format, bool passThrough, JsonElement body)
    {
        var text = body.GetRawText();
        if (passThrough)
        {
            if (!text.Contains("functions.Bash:0", StringComparison.Ordinal))
            {
                yield return "a pass-through changed the client's ids";
            }
            yield break;
        }
        switch (format)
        {
            case "openai":
                var messages = body.GetProperty("messages");
                var id = messages[1].GetProperty("tool_calls")[0].GetProperty("id").GetString();
                if (id != messages[2].GetProperty("tool_call_id").GetString())
                {
                    yield return "the call and its result no longer pair";
                }
                break;
            case "anthropic":
            case "bedrock":
                var (callId, resultId) = format == "anthropic"
                    ? (body.GetProperty("messages")[1].GetProperty("content")[0].GetProperty("id").GetString()!,
                       body.GetProperty("messages")[2].GetProperty("content")[0].GetProperty("tool_use_id").GetString()!)
                    : (body.GetProperty("messages")[1].GetProperty("content")[0].GetProperty("toolUse").GetProperty("toolUseId").GetString()!,
                       body.GetProperty("messages")[2].GetProperty("content")[0].GetProperty("toolResult").GetProperty("toolUseId").GetString()!);
                if (callId != resultId)
                {
                    yield return $"the call ({callId}) and its result ({resultId}) no longer pair";
                }
                if (!WordId().IsMatch(callId) || (format == "bedrock" && callId.Length > 64))
                {
                    yield return $"the id '{callId}' breaks {format}'s rule";
                }
                break;
            case "gemini":
                var parts = body.GetProperty("contents");
                var call = parts[1].GetProperty("parts")[0].GetProperty("functionCall").GetProperty("name").GetString();
                var response = parts[2].GetProperty("parts")[0].GetProperty("functionResponse").GetProperty("name").GetString();
                if (call != "Bash" || response != "Bash")
                {
                    yield return $"the functionResponse ({response}) does not answer the functionCall ({call})";
                }
                break;
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]+$")]
    private static partial Regex WordId();
}
