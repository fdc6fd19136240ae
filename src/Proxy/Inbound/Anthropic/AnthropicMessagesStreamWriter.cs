using System.Buffers;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Wire.Anthropic;

namespace LlmProxy.Inbound.Anthropic;

/// <summary>
/// Writes canonical events in the exact Messages stream grammar the Anthropic SDKs and Claude Code parse: one
/// <c>message_start</c>; content blocks opened with <c>content_block_start</c>, filled with <c>text_delta</c>,
/// <c>thinking_delta</c>/<c>signature_delta</c> or <c>input_json_delta</c>, and closed with
/// <c>content_block_stop</c>, one at a time and in order; then <c>message_delta</c> with the stop reason and the
/// usage, and <c>message_stop</c>. A text delta costs one escape of its text and no allocation. Nothing is sent, not
/// even the headers, until the first content or the end: a provider that fails before that can be replaced by the
/// next deployment without the client seeing anything. Blocks are sequential in this grammar while Chat Completions
/// providers may interleave the argument fragments of parallel calls: a call that starts while another is open is
/// held, its fragments gathered, and written whole once the open one is done (before other content, or at the end).
/// </summary>
internal sealed class AnthropicMessagesStreamWriter(HttpContext context, AnswerClaim? claim) : IAnswerWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly PipeWriter _output = context.Response.BodyWriter;
    private readonly Utf8JsonWriter _json = new(Stream.Null, WriterOptions);
    private int _blockIndex = -1;
    private OpenBlock _open;
    private int _openToolIndex = -1;
    private List<(int Index, string Id, string Name, ArrayBufferWriter<byte> Arguments)>? _heldCalls;
    private FinishReason _finish = FinishReason.Stop;
    private string? _stopSequence;
    private StreamStart _start;
    private readonly StreamOpening _opening = new(context, claim);

    private enum OpenBlock : byte
    {
        None,
        Text,
        Thinking,
        ToolUse,
    }

    public TokenUsage? Usage { get; private set; }

    public long OpenedTimestamp => _opening.OpenedTimestamp;

    public void Start(in StreamStart start) => _start = start;

    public void TextDelta(ReadOnlySpan<byte> utf8Text)
    {
        if (!Open(OpenBlock.Text))
        {
            return;
        }
        WriteDelta("{\"type\":\"text_delta\",\"text\":"u8, utf8Text);
    }

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text)
    {
        if (!Open(OpenBlock.Thinking))
        {
            return;
        }
        WriteDelta("{\"type\":\"thinking_delta\",\"thinking\":"u8, utf8Text);
    }

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature)
    {
        if (_open == OpenBlock.Thinking)
        {
            WriteDelta("{\"type\":\"signature_delta\",\"signature\":"u8, utf8Signature);
        }
    }

    public void ToolCallStart(int index, string id, string name)
    {
        if (!Begin())
        {
            return;
        }
        if (_open == OpenBlock.ToolUse)
        {
            (_heldCalls ??= []).Add((index, id, name, new ArrayBufferWriter<byte>(256)));
            return;
        }
        Close();
        OpenToolUse(index, id, name);
    }

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json)
    {
        // An empty fragment would make the client parse "" as the input; without fragments it keeps the block's {}.
        if (utf8Json.IsEmpty)
        {
            return;
        }
        if (_open == OpenBlock.ToolUse && index == _openToolIndex)
        {
            WriteDelta("{\"type\":\"input_json_delta\",\"partial_json\":"u8, utf8Json);
            return;
        }
        if (_heldCalls is not { } calls)
        {
            return; // a fragment for a call never started: nothing to add it to ("?? []" would allocate a list per fragment)
        }
        foreach (var held in calls)
        {
            if (held.Index == index)
            {
                held.Arguments.Write(utf8Json);
            }
        }
    }

    public void Finish(FinishReason reason, string? stopSequence = null) => (_finish, _stopSequence) = (reason, stopSequence);

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
        if (!Begin())
        {
            return;
        }
        Close();
        _output.Write("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\""u8);
        _output.Write(AnthropicStopReasons.ToUtf8(_finish));
        _output.Write("\",\"stop_sequence\":"u8);
        WriteStringOrNull(_finish == FinishReason.StopSequence ? _stopSequence : null);
        _output.Write("},"u8);
        // Unvalidated, the writer puts the "usage" member straight after the literal above.
        _json.Reset(_output);
        AnthropicUsage.Write(_json, Usage ?? default);
        _json.Flush();
        _output.Write("}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"u8);
        await _output.FlushAsync(cancellationToken);
    }

    public async Task FailAsync(GatewayError error, CancellationToken cancellationToken)
    {
        if (!_opening.IsOpen)
        {
            return;
        }
        AnthropicErrorWriter.WriteStreamEvent(_output, error);
        await _output.FlushAsync(cancellationToken);
    }

    // message_start goes with the first content; false when another attempt answers instead.
    private bool Begin()
    {
        if (!_opening.TryOpen(out var justOpened))
        {
            return false;
        }
        if (!justOpened)
        {
            return true;
        }
        _output.Write("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":"u8);
        WriteString(_start.Id);
        _output.Write(",\"type\":\"message\",\"role\":\"assistant\",\"model\":"u8);
        WriteString(_start.Model);
        // Input usage is not known yet from every provider; the final message_delta carries the whole usage.
        _output.Write(",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}\n\n"u8);
        return true;
    }

    private bool Open(OpenBlock kind)
    {
        if (!Begin())
        {
            return false;
        }
        if (_open == kind)
        {
            return true;
        }
        Close();
        _open = kind;
        WriteBlockStartPrefix();
        _output.Write(kind == OpenBlock.Text ? "{\"type\":\"text\",\"text\":\"\"}}\n\n"u8 : "{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n"u8);
        return true;
    }

    /// <summary>Ends the open block, then writes each held call as a whole block.</summary>
    private void Close()
    {
        if (_open == OpenBlock.None)
        {
            return;
        }
        EndBlock();
        if (_heldCalls is not { Count: > 0 } held)
        {
            return;
        }
        foreach (var (index, id, name, arguments) in held)
        {
            OpenToolUse(index, id, name);
            if (arguments.WrittenCount > 0)
            {
                WriteDelta("{\"type\":\"input_json_delta\",\"partial_json\":"u8, arguments.WrittenSpan);
            }
            EndBlock();
        }
        held.Clear();
    }

    private void EndBlock()
    {
        _output.Write("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":"u8);
        WriteNumber(_blockIndex);
        _output.Write("}\n\n"u8);
        _open = OpenBlock.None;
    }

    private void OpenToolUse(int index, string id, string name)
    {
        _open = OpenBlock.ToolUse;
        _openToolIndex = index;
        WriteBlockStartPrefix();
        _output.Write("{\"type\":\"tool_use\",\"id\":"u8);
        // The client sends it back, perhaps to Anthropic itself: it must be an id Anthropic accepts.
        WriteString(AnthropicIdentifiers.ToolUseIds.Conform(id));
        _output.Write(",\"name\":"u8);
        WriteString(name);
        _output.Write(",\"input\":{}}}\n\n"u8);
    }

    private void WriteBlockStartPrefix()
    {
        _blockIndex++;
        _output.Write("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":"u8);
        WriteNumber(_blockIndex);
        _output.Write(",\"content_block\":"u8);
    }

    private void WriteDelta(ReadOnlySpan<byte> deltaPrefix, ReadOnlySpan<byte> utf8Value)
    {
        _output.Write("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"u8);
        WriteNumber(_blockIndex);
        _output.Write(",\"delta\":"u8);
        _output.Write(deltaPrefix);
        _json.Reset(_output);
        _json.WriteStringValue(utf8Value);
        _json.Flush();
        _output.Write("}}\n\n"u8);
    }

    private void WriteString(string value)
    {
        _json.Reset(_output);
        _json.WriteStringValue(value);
        _json.Flush();
    }

    private void WriteStringOrNull(string? value)
    {
        if (value is null)
        {
            _output.Write("null"u8);
            return;
        }
        WriteString(value);
    }

    private void WriteNumber(int value)
    {
        _json.Reset(_output);
        _json.WriteNumberValue(value);
        _json.Flush();
    }
}
