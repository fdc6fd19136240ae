using System.Buffers;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIChat;

/// <summary>
/// Writes canonical events as Chat Completions chunks: a role chunk, one chunk per text, reasoning
/// (<c>reasoning_content</c>, as DeepSeek and vLLM send it) or tool call delta, the finish chunk, the usage chunk
/// when asked, then <c>data: [DONE]</c>. A tool call's first chunk carries its index, id, type and name; later
/// chunks only argument fragments; a call whose provider sent no arguments gets <c>"{}"</c> before the finish, as
/// OpenAI itself sends them, so every call's arguments parse as JSON. The part of a chunk that never changes (id, created, model) is encoded once per
/// stream, so a delta costs one escape of its text and no allocation. Nothing is sent, not even the headers, until
/// the first content, tool call or finish: a provider that fails before that can be replaced by the next deployment
/// without the client seeing anything.
/// </summary>
internal sealed class OpenAIChatStreamWriter(HttpContext context, bool includeUsage, AnswerClaim? claim) : IAnswerWriter
{
    private static ReadOnlySpan<byte> ChunkObject => "chat.completion.chunk"u8;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly PipeWriter _output = context.Response.BodyWriter;
    private readonly Utf8JsonWriter _json = new(Stream.Null, WriterOptions);
    private byte[] _chunkPrefix = [];
    private StreamStart _start;
    private FinishReason? _finish;
    // Per tool call index: 0 not started, 1 started without arguments yet, 2 arguments sent.
    private byte[] _toolCalls = [];
    private readonly StreamOpening _opening = new(context, claim);

    public TokenUsage? Usage { get; private set; }

    public long OpenedTimestamp => _opening.OpenedTimestamp;

    public void Start(in StreamStart start)
    {
        _start = start;
        _chunkPrefix = EncodePrefix(start);
    }

    public void TextDelta(ReadOnlySpan<byte> utf8Text)
    {
        if (!Open())
        {
            return;
        }
        WriteStringDelta("{\"index\":0,\"delta\":{\"content\":"u8, utf8Text, "}"u8);
    }

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text)
    {
        if (!Open())
        {
            return;
        }
        WriteStringDelta("{\"index\":0,\"delta\":{\"reasoning_content\":"u8, utf8Text, "}"u8);
    }

    // Chat Completions has no field for a reasoning signature; an OpenAI client could not send it back anyway.
    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature)
    {
    }

    public void ToolCallStart(int index, string id, string name)
    {
        if (!Open())
        {
            return;
        }
        if (index >= _toolCalls.Length)
        {
            Array.Resize(ref _toolCalls, Math.Max(index + 1, _toolCalls.Length * 2));
        }
        _toolCalls[index] = 1;
        WriteToolCallPrefix(index);
        _output.Write(",\"id\":"u8);
        WriteJson(id);
        _output.Write(",\"type\":\"function\",\"function\":{\"name\":"u8);
        WriteJson(name);
        _output.Write(",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n"u8);
    }

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty || !Open())
        {
            return;
        }
        if (index < _toolCalls.Length)
        {
            _toolCalls[index] = 2;
        }
        WriteToolCallPrefix(index);
        _output.Write(",\"function\":{\"arguments\":"u8);
        _json.Reset(_output);
        _json.WriteStringValue(utf8Json);
        _json.Flush();
        _output.Write("}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n"u8);
    }

    public void Finish(FinishReason reason, string? stopSequence = null)
    {
        if (!Open())
        {
            return;
        }
        for (var index = 0; index < _toolCalls.Length; index++)
        {
            if (_toolCalls[index] == 1)
            {
                ToolCallArgumentsDelta(index, "{}"u8);
            }
        }
        _finish = reason;
        _output.Write(_chunkPrefix);
        _output.Write("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\""u8);
        _output.Write(OpenAIFinishReasons.ToUtf8(reason));
        _output.Write("\"}]}\n\n"u8);
    }

    public void ReportUsage(in TokenUsage usage) => Usage = usage;

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_opening.IsOpen)
        {
            await _output.FlushAsync(cancellationToken);
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (!Open())
        {
            return;
        }
        if (_finish is null)
        {
            Finish(FinishReason.Stop);
        }
        OpenAIStreamTail.WriteEnd(_output, _json, _start, ChunkObject, includeUsage ? Usage : null);
        await _output.FlushAsync(cancellationToken);
    }

    public async Task FailAsync(GatewayError error, CancellationToken cancellationToken)
    {
        if (!_opening.IsOpen)
        {
            return;
        }
        OpenAIErrorWriter.WriteStreamEvent(_output, error);
        await _output.FlushAsync(cancellationToken);
    }

    // The role chunk goes with the first thing worth sending; false when another attempt answers instead.
    private bool Open()
    {
        if (!_opening.TryOpen(out var justOpened))
        {
            return false;
        }
        if (justOpened)
        {
            WriteChoice("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}"u8);
        }
        return true;
    }

    private void WriteToolCallPrefix(int index)
    {
        _output.Write(_chunkPrefix);
        _output.Write("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":"u8);
        _json.Reset(_output);
        _json.WriteNumberValue(index);
        _json.Flush();
    }

    private void WriteJson(string value)
    {
        _json.Reset(_output);
        _json.WriteStringValue(value);
        _json.Flush();
    }

    private void WriteStringDelta(ReadOnlySpan<byte> before, ReadOnlySpan<byte> utf8Text, ReadOnlySpan<byte> after)
    {
        _output.Write(_chunkPrefix);
        _output.Write(before);
        _json.Reset(_output);
        _json.WriteStringValue(utf8Text);
        _json.Flush();
        _output.Write(after);
        _output.Write(",\"logprobs\":null,\"finish_reason\":null}]}\n\n"u8);
    }

    private void WriteChoice(ReadOnlySpan<byte> choice)
    {
        _output.Write(_chunkPrefix);
        _output.Write(choice);
        _output.Write("]}\n\n"u8);
    }

    private static byte[] EncodePrefix(in StreamStart start)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write("data: "u8);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            OpenAIStreamTail.WriteIdentity(json, start, ChunkObject);
            json.Flush();
        }
        buffer.Write(",\"choices\":["u8);
        return buffer.WrittenSpan.ToArray();
    }
}
