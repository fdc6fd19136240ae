using System.Buffers;
using System.Text;
using LlmProxy.Inbound.OpenAIResponses;

namespace LlmProxy.Tests.Inbound.OpenAIResponses;

/// <summary>A native Responses stream relayed: what the filter learns on the side and what it keeps for the store.</summary>
public sealed class ResponsesStreamFilterTests
{
    private static (ResponsesStreamFilter Filter, string Output) Relay(string stream, bool keepFinal = true)
    {
        var filter = new ResponsesStreamFilter(keepFinal);
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(stream));
        var output = new ArrayBufferWriter<byte>();
        filter.Process(ref buffer, output);
        filter.ProcessRemainder(buffer, output);
        return (filter, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    private const string Opening = """
        event: response.created
        data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress","output":[]}}


        """;

    private const string Delta = """
        event: response.output_text.delta
        data: {"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi"}


        """;

    private const string Completed = """
        event: response.completed
        data: {"type":"response.completed","sequence_number":2,"response":{"id":"resp_1","status":"completed","output":[],"usage":{"input_tokens":14,"input_tokens_details":{"cached_tokens":4},"output_tokens":6,"output_tokens_details":{"reasoning_tokens":2},"total_tokens":20}}}


        """;

    [Fact]
    public void Process_CompletedStreamNotStored_PassesEveryEventAndReadsUsageAndSequence()
    {
        var stream = (Opening + Delta + Completed).Replace("\r\n", "\n");

        var (filter, output) = Relay(stream, keepFinal: false);

        Assert.Equal(stream, output);
        Assert.True(filter.Done && filter.ContentStarted && !filter.ProviderSentError);
        Assert.Equal(new LlmProxy.Canonical.TokenUsage(14, 6, 4, 0, 2), filter.Usage);
        Assert.Equal(2, filter.LastSequenceNumber);
        Assert.Null(filter.HeldFinalEvent);
    }

    [Fact]
    public void Process_CompletedStreamToStore_HoldsTheTerminalEventBackWithItsResponse()
    {
        var (filter, output) = Relay((Opening + Delta + Completed).Replace("\r\n", "\n"));

        Assert.Equal((Opening + Delta).Replace("\r\n", "\n"), output); // sent only once the copy is stored
        Assert.Equal(Completed.Replace("\r\n", "\n"), Encoding.UTF8.GetString(filter.HeldFinalEvent!));
        Assert.StartsWith("""{"id":"resp_1","status":"completed""", Encoding.UTF8.GetString(filter.Final!));
    }

    [Fact]
    public void Process_ErrorBeforeContent_AnEarlyErrorAnotherDeploymentMayAnswer()
    {
        var (filter, _) = Relay((Opening + """
            event: error
            data: {"type":"error","sequence_number":1,"code":"server_error","message":"The server had an error.","param":null}


            """).Replace("\r\n", "\n"));

        Assert.False(filter.ContentStarted);
        Assert.Equal("The server had an error.", filter.EarlyError!.Message);
    }

    // Found by the fuzzer: a terminal event whose member name escapes half a surrogate pair threw while the final
    // Response was looked for.
    [Fact]
    public void Process_TerminalEventWithAnUnreadableName_KeepsNoCopyAndDoesNotThrow()
    {
        var (filter, _) = Relay((Opening + """
            event: response.completed
            data: {"type":"response.completed","sequence_number":1,"respon\ud800se":{"id":"resp_1"}}


            """).Replace("\r\n", "\n"));

        Assert.True(filter.Done);
        Assert.Null(filter.Final);
    }
}
