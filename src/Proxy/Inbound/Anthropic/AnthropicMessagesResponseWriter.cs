using System.Buffers;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Wire.Anthropic;

namespace LlmProxy.Inbound.Anthropic;

/// <summary>
/// Collects canonical events into one non-stream Messages body, <c>{"id","type":"message","role","model","content",
/// "stop_reason","stop_sequence","usage"}</c>: a new content block whenever the kind of content changes, tool
/// calls as <c>tool_use</c> blocks whose arguments become the <c>input</c> object.
/// </summary>
internal sealed class AnthropicMessagesResponseWriter(HttpContext context, AnswerClaim? claim) : IAnswerWriter
{
    private readonly List<Block> _blocks = [];
    private StreamStart _start;
    private FinishReason _finish = FinishReason.Stop;
    private string? _stopSequence;

    private enum BlockKind : byte
    {
        Text,
        Thinking,
        ToolUse,
    }

    public TokenUsage? Usage { get; private set; }

    public long OpenedTimestamp => 0;

    public void Start(in StreamStart start) => _start = start;

    public void TextDelta(ReadOnlySpan<byte> utf8Text) => Current(BlockKind.Text).Content.Write(utf8Text);

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text) => Current(BlockKind.Thinking).Content.Write(utf8Text);

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature)
    {
        if (_blocks.Count > 0 && _blocks[^1].Kind == BlockKind.Thinking)
        {
            (_blocks[^1].Signature ??= new ArrayBufferWriter<byte>(512)).Write(utf8Signature);
        }
    }

    // The client sends the id back, perhaps to Anthropic itself: it must be one Anthropic accepts.
    public void ToolCallStart(int index, string id, string name) =>
        _blocks.Add(new Block(BlockKind.ToolUse, index) { Id = AnthropicIdentifiers.ToolUseIds.Conform(id), Name = name });

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json)
    {
        foreach (var block in _blocks)
        {
            if (block.Kind == BlockKind.ToolUse && block.ToolIndex == index)
            {
                block.Content.Write(utf8Json);
            }
        }
    }

    public void Finish(FinishReason reason, string? stopSequence = null) => (_finish, _stopSequence) = (reason, stopSequence);

    public void ReportUsage(in TokenUsage usage) => Usage = usage;

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    // Claimed only now: another attempt may answer while this one collects.
    public Task CompleteAsync(CancellationToken cancellationToken) => claim is { } ticket && !ticket.TryClaim()
        ? Task.CompletedTask
        : JsonAnswer.WriteAsync(context.Response, this, static (json, self) => self.WriteBody(json), cancellationToken);

    private void WriteBody(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, _start.Id);
        json.WriteString("type"u8, "message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("model"u8, _start.Model);
        json.WriteStartArray("content"u8);
        foreach (var block in _blocks)
        {
            WriteBlock(json, block);
        }
        json.WriteEndArray();
        json.WriteString("stop_reason"u8, AnthropicStopReasons.ToUtf8(_finish));
        if (_finish == FinishReason.StopSequence && _stopSequence is not null)
        {
            json.WriteString("stop_sequence"u8, _stopSequence);
        }
        else
        {
            json.WriteNull("stop_sequence"u8);
        }
        AnthropicUsage.Write(json, Usage ?? default);
        json.WriteEndObject();
    }

    // Nothing has been sent before completion, so failures are answered as plain HTTP errors by the pipeline.
    public Task FailAsync(GatewayError error, CancellationToken cancellationToken) => Task.CompletedTask;

    private static void WriteBlock(Utf8JsonWriter json, Block block)
    {
        json.WriteStartObject();
        switch (block.Kind)
        {
            case BlockKind.Text:
                json.WriteString("type"u8, "text"u8);
                json.WriteString("text"u8, block.Content.WrittenSpan);
                break;
            case BlockKind.Thinking:
                json.WriteString("type"u8, "thinking"u8);
                json.WriteString("thinking"u8, block.Content.WrittenSpan);
                json.WriteString("signature"u8, block.Signature is null ? default : block.Signature.WrittenSpan);
                break;
            case BlockKind.ToolUse:
                json.WriteString("type"u8, "tool_use"u8);
                json.WriteString("id"u8, block.Id);
                json.WriteString("name"u8, block.Name);
                json.WritePropertyName("input"u8);
                JsonArguments.WriteObject(json, block.Content.WrittenSpan);
                break;
        }
        json.WriteEndObject();
    }

    private Block Current(BlockKind kind)
    {
        if (_blocks.Count == 0 || _blocks[^1].Kind != kind)
        {
            _blocks.Add(new Block(kind, -1));
        }
        return _blocks[^1];
    }

    private sealed class Block(BlockKind kind, int toolIndex)
    {
        public BlockKind Kind { get; } = kind;

        public int ToolIndex { get; } = toolIndex;

        public ArrayBufferWriter<byte> Content { get; } = new(256);

        public string? Id { get; init; }

        public string? Name { get; init; }

        public ArrayBufferWriter<byte>? Signature { get; set; }
    }
}
