using System.Security.Cryptography;
using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Inbound.OpenAIResponses;
using LlmProxy.Storage;

namespace LlmProxy.Tests.Inbound.OpenAIResponses;

/// <summary>Responses API bodies read into the canonical request, and the 400s that name the wrong field.</summary>
public sealed class ResponsesRequestReaderTests
{
    private readonly ReasoningSeal _seal = new(RandomNumberGenerator.GetBytes(32));

    private (ChatRequest? Request, GatewayError? Error, ResponsesExchange Exchange) Read(string json, IReadOnlyList<StoredResponse>? history = null)
    {
        var exchange = new ResponsesExchange("owner", 1);
        ResponsesRequestReader.TryRead(Encoding.UTF8.GetBytes(json), exchange, history ?? [], _seal, out var request, out var error);
        return (request, error, exchange);
    }

    [Fact]
    public void Read_StringInputAndInstructions_OneUserTurnUnderTheSystemText()
    {
        var (request, error, exchange) = Read("""{"model":"m","instructions":"Be brief.","input":"Hi","max_output_tokens":50,"temperature":0.5,"top_p":0.9,"user":"u1"}""");

        Assert.Null(error);
        Assert.Equal("Be brief.", request!.System);
        var turn = Assert.Single(request.Messages);
        Assert.Equal(ChatRole.User, turn.Role);
        Assert.Equal("Hi", Assert.IsType<TextPart>(Assert.Single(turn.Parts)).Text);
        Assert.Equal((50, 0.5, 0.9, "u1"), (request.MaxTokens, request.Temperature, request.TopP, request.User));
        Assert.Contains("\"Hi\"", Encoding.UTF8.GetString(exchange.InputItems));
        Assert.Contains("\"id\":\"msg_", Encoding.UTF8.GetString(exchange.InputItems));
    }

    [Fact]
    public void Read_AssistantItemsInARow_FormOneAssistantTurnInOrder()
    {
        var (request, error, _) = Read("""
            {"model":"m","input":[
              {"role":"user","content":"Weather?"},
              {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Call the tool."}]},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking.","annotations":[]}]},
              {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
              {"type":"function_call_output","call_id":"call_1","output":"sunny"}]}
            """);

        Assert.Null(error);
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.Tool], request!.Messages.Select(m => m.Role));
        var assistant = request.Messages[1].Parts;
        Assert.Equal("Call the tool.", Assert.IsType<ReasoningPart>(assistant[0]).Text);
        Assert.Null(((ReasoningPart)assistant[0]).Signature);
        Assert.Equal("Checking.", Assert.IsType<TextPart>(assistant[1]).Text);
        Assert.Equal(("call_1", "get_weather"), (Assert.IsType<ToolCallPart>(assistant[2]).Id, ((ToolCallPart)assistant[2]).Name));
        Assert.Equal("sunny", Assert.IsType<ToolResultPart>(Assert.Single(request.Messages[2].Parts)).Text);
    }

    [Fact]
    public void Read_ReasoningSealedByThisProxy_RestoresTextAndSignature()
    {
        var sealedText = _seal.Seal(ReasoningSeal.ReasoningKind, "I think.", "sig-123");
        var (request, _, _) = Read($$"""{"model":"m","input":[{"role":"user","content":"q"},{"type":"reasoning","summary":[{"type":"summary_text","text":"altered"}],"encrypted_content":"{{sealedText}}"},{"role":"assistant","content":"a"}]}""");

        var reasoning = Assert.IsType<ReasoningPart>(request!.Messages[1].Parts[0]);
        Assert.Equal(("I think.", "sig-123"), (reasoning.Text, reasoning.Signature));
    }

    [Theory]
    [InlineData("llmp1.AAAA")]
    [InlineData("gAAAAABoOpenAIsOwnOpaqueBlob")]
    [InlineData("llmp1.!!!not-base64!!!")]
    public void Read_ReasoningNotSealedHere_IsUnsignedReasoningFromTheSummary(string encrypted)
    {
        var (request, error, _) = Read($$"""{"model":"m","input":[{"role":"user","content":"q"},{"type":"reasoning","summary":[{"type":"summary_text","text":"shown"}],"encrypted_content":"{{encrypted}}"},{"role":"assistant","content":"a"}]}""");

        Assert.Null(error);
        var reasoning = Assert.IsType<ReasoningPart>(request!.Messages[1].Parts[0]);
        Assert.Equal(("shown", null), (reasoning.Text, reasoning.Signature));
    }

    [Fact]
    public void Read_SealedContentTamperedByOneByte_IsNotTrusted()
    {
        var sealedText = _seal.Seal(ReasoningSeal.ReasoningKind, "I think.", "sig-123");
        var tampered = sealedText[..^2] + (sealedText[^2] == 'A' ? 'B' : 'A') + sealedText[^1];

        Assert.False(_seal.TryOpen(tampered, out _));
        Assert.False(_seal.TryOpen(sealedText, ReasoningSeal.CompactionKind, out _, out _));
        Assert.False(new ReasoningSeal(RandomNumberGenerator.GetBytes(32)).TryOpen(sealedText, out _));
    }

    [Fact]
    public void Read_FunctionToolsAndHostedTools_FunctionsMappedHostedKeptToBeRefusedByName()
    {
        var (request, error, _) = Read("""
            {"model":"m","input":"q","tools":[{"type":"function","name":"f","description":"d","parameters":{"type":"object","properties":{}}},{"type":"web_search"}],
             "tool_choice":{"type":"function","name":"f"},"parallel_tool_calls":false,"text":{"format":{"type":"json_schema","name":"s","schema":{"type":"object"}}},
             "reasoning":{"effort":"high","summary":"auto"}}
            """);

        Assert.Null(error);
        Assert.Equal("f", Assert.Single(request!.Tools!).Name);
        var hosted = Assert.Single(request.UnsupportedTools!);
        Assert.Equal(("web_search tool", "tools[1]"), (hosted.Type, hosted.Path));
        Assert.Equal(new ToolChoice(ToolChoiceMode.Named, "f"), request.ToolChoice);
        Assert.False(request.ParallelToolCalls);
        Assert.Equal((ResponseFormatKind.JsonSchema, "s"), (request.ResponseFormat!.Kind, request.ResponseFormat.Name));
        Assert.Equal("high", request.Reasoning!.Effort);
    }

    [Fact]
    public void Read_AllowedToolsChoice_OnlyThoseToolsAreOffered()
    {
        var (request, error, _) = Read("""
            {"model":"m","input":"q","tools":[{"type":"function","name":"a"},{"type":"function","name":"b"},{"type":"function","name":"c"}],
             "tool_choice":{"type":"allowed_tools","mode":"required","tools":[{"type":"function","name":"c"},{"type":"function","name":"a"}]}}
            """);

        Assert.Null(error);
        Assert.Equal(["a", "c"], request!.Tools!.Select(t => t.Name));
        Assert.Equal(ToolChoiceMode.Required, request.ToolChoice!.Mode);
    }

    [Fact]
    public void Read_UnknownParameter_IsListedAsIgnored()
    {
        var (request, _, exchange) = Read("""{"model":"m","input":"q","service_tier":"flex","brand_new_field":1,"metadata":{"a":"b"}}""");

        Assert.Equal(["brand_new_field"], request!.Ignored);
        Assert.Equal("\"flex\"", Encoding.UTF8.GetString(exchange.Echo.ServiceTier.Span));
        Assert.Equal("""{"a":"b"}""", Encoding.UTF8.GetString(exchange.Echo.Metadata.Span));
    }

    [Theory]
    [InlineData("""{"model":"m"}""", "input")]
    [InlineData("""{"model":"m","input":[]}""", "input")]
    [InlineData("""{"model":"m","input":42}""", "input")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":[{"type":"input_video"}]}]}""", "input[2].content[0].type")]
    [InlineData("""{"model":"m","input":[{"role":"robot","content":"a"}]}""", "input[0].role")]
    [InlineData("""{"model":"m","input":[{"type":"function_call","name":"f"}]}""", "input[0].call_id")]
    [InlineData("""{"model":"m","input":[{"type":"function_call","call_id":"c"}]}""", "input[0].name")]
    [InlineData("""{"model":"m","input":[{"type":"function_call_output","call_id":"c","output":7}]}""", "input[0].output")]
    [InlineData("""{"model":"m","input":[{"content":"no role"}]}""", "input[0].type")]
    [InlineData("""{"model":"m","input":["just a string"]}""", "input[0]")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":[{"type":"input_image"}]}]}""", "input[0].content[0].image_url")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"javascript:alert(1)"}]}]}""", "input[0].content[0].image_url")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_url":"http://plain.example/a.pdf"}]}]}""", "input[0].content[0].file_url")]
    [InlineData("""{"model":"m","input":[{"role":"assistant","content":[{"type":"input_image","image_url":"https://x/y.png"}]}]}""", "input[0].content[0].type")]
    [InlineData("""{"model":"m","input":[{"type":"reasoning","summary":"not an array"}]}""", "input[0].summary")]
    [InlineData("""{"model":"m","input":"q","tools":[{"type":"function"}]}""", "tools[0].name")]
    [InlineData("""{"model":"m","input":"q","tools":[{"name":"f"}]}""", "tools[0].type")]
    [InlineData("""{"model":"m","input":"q","tool_choice":"sometimes"}""", "tool_choice")]
    [InlineData("""{"model":"m","input":"q","tool_choice":{"type":"web_search"}}""", "tool_choice.type")]
    [InlineData("""{"model":"m","input":"q","text":{"format":{"type":"json_schema","name":"s"}}}""", "text.format.schema")]
    [InlineData("""{"model":"m","input":"q","text":{"format":{"type":"yaml"}}}""", "text.format.type")]
    [InlineData("""{"model":"m","input":"q","include":"reasoning.encrypted_content"}""", "include")]
    [InlineData("""{"model":"m","input":"q","include":[1]}""", "include[0]")]
    [InlineData("""{"model":"m","input":"q","max_output_tokens":0}""", "max_output_tokens")]
    [InlineData("""{"model":"m","input":"q","temperature":3}""", "temperature")]
    [InlineData("""{"model":"m","input":"q","metadata":[1]}""", "metadata")]
    [InlineData("""{"model":"m","input":"q","instructions":["not text"]}""", "instructions")]
    [InlineData("""{"model":"m","input":"\ud800"}""", "input")]
    public void Read_MalformedBody_400NamesTheParameterPath(string json, string param)
    {
        var (request, error, _) = Read(json);

        Assert.Null(request);
        Assert.NotNull(error);
        Assert.Equal((400, param), (error.Status, error.Param));
        Assert.Contains($"'{param}", error.Message);
    }

    // Found by the fuzzer: text the readers do not look at went into the stored items decoded and re-encoded, and a lone
    // surrogate there threw instead of being kept as sent.
    [Fact]
    public void Read_StoredItemsWithEscapesTheReadersIgnore_KeptByteForByte()
    {
        const string json = """{"model":"m","input":[{"role":"user","content":"q"},{"type":"reasoning","summary":[{"type":"\udfff\ud800","text":"t"}]},{"role":"assistant","content":"a"}]}""";

        var (request, error, exchange) = Read(json);

        Assert.Null(error);
        Assert.NotNull(request);
        var stored = Encoding.UTF8.GetString(exchange.InputItems);
        Assert.Contains("""{"type":"\udfff\ud800","text":"t"}""", stored);
        Assert.Equal(3, System.Text.Json.JsonDocument.Parse(exchange.InputItems).RootElement.GetArrayLength());
    }

    [Theory]
    [InlineData("""{"model":"m","input":[{"role":"user","content":"q"},{"type":"reasoning","id":"rs\ud800_1","summary":[]}]}""", "input[1].id")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":"q","id":7}]}""", "input[0].id")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":"q","id":""}]}""", "input[0].id")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":"q","id":"msg_1"},{"role":"user","content":"r","id":"msg_1"}]}""", "input[1].id")]
    public void Read_ItemIdNotText_400NamesIt(string json, string param)
    {
        var (_, error, _) = Read(json);

        Assert.Equal((400, param), (error!.Status, error.Param));
    }

    [Fact]
    public void Read_LoneSurrogateInAMemberNoReaderUses_KeptAsSentNotA500()
    {
        var (request, error, exchange) = Read("""{"model":"m","input":[{"role":"user","content":"q","status":"\ud800","extra":{"x":"\udfff"}}]}""");

        Assert.Null(error);
        Assert.NotNull(request);
        Assert.Contains("\\ud800", Encoding.UTF8.GetString(exchange.InputItems));
    }

    [Fact]
    public void Read_ItemsWithoutIdOrType_StoredWithBothAndEverythingElseAsSent()
    {
        var (_, _, exchange) = Read("""{"model":"m","input":[{"role":"user","content":"q"},{"id":"msg_mine","type":"message","role":"assistant","content":"a"},{"role":"user", "content":"\u00e9"}]}""");

        var items = System.Text.Json.JsonDocument.Parse(exchange.InputItems).RootElement;
        Assert.StartsWith("msg_", items[0].GetProperty("id").GetString());
        Assert.Equal("message", items[0].GetProperty("type").GetString());
        Assert.Equal("msg_mine", items[1].GetProperty("id").GetString());
        Assert.Contains("\\u00e9", Encoding.UTF8.GetString(exchange.InputItems)); // as sent, not re-encoded
    }

    [Fact]
    public void Read_History_ComesBeforeTheNewInputOldestFirst()
    {
        StoredResponse Stored(string id, string input, string output) => new(id, "owner", 1, 2, "completed", null,
            Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"{{output}}"}]}]}"""),
            Encoding.UTF8.GetBytes($$"""[{"id":"msg_{{id}}","type":"message","role":"user","content":[{"type":"input_text","text":"{{input}}"}]}]"""));

        var (request, error, exchange) = Read("""{"model":"m","input":"third"}""", [Stored("r1", "first", "one"), Stored("r2", "second", "two")]);

        Assert.Null(error);
        Assert.Equal(["first", "one", "second", "two", "third"], request!.Messages.Select(m => ((TextPart)m.Parts[0]).Text));
        Assert.DoesNotContain("first", Encoding.UTF8.GetString(exchange.InputItems)); // a response keeps only its own input
    }
}
