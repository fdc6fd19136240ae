using System.Text;
using LlmProxy.Canonical;

namespace LlmProxy.Testing;

/// <summary>An event sink that keeps what a translator told it: the joined text, reasoning and tool calls, and the event order.</summary>
internal sealed class RecordingSink : IStreamEventSink
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _reasoning = new();
    private readonly StringBuilder _signature = new();

    public StreamStart? Started { get; private set; }

    public int StartCount { get; private set; }

    public string Text => _text.ToString();

    public string Reasoning => _reasoning.ToString();

    public string Signature => _signature.ToString();

    public List<RecordedToolCall> ToolCalls { get; } = [];

    public FinishReason? Finished { get; private set; }

    public TokenUsage? Usage { get; private set; }

    /// <summary>One letter per event kind, runs collapsed: "S T R G C A F U" (start, text, reasoning, signature, call, arguments, finish, usage).</summary>
    public List<char> Order { get; } = [];

    public int Flushes { get; private set; }

    public void Start(in StreamStart start)
    {
        Started = start;
        StartCount++;
        Note('S');
    }

    public void TextDelta(ReadOnlySpan<byte> utf8Text)
    {
        _text.Append(Encoding.UTF8.GetString(utf8Text));
        Note('T');
    }

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text)
    {
        _reasoning.Append(Encoding.UTF8.GetString(utf8Text));
        Note('R');
    }

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature)
    {
        _signature.Append(Encoding.UTF8.GetString(utf8Signature));
        Note('G');
    }

    public void ToolCallStart(int index, string id, string name)
    {
        ToolCalls.Add(new RecordedToolCall(index, id, name));
        Note('C');
    }

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json)
    {
        var call = ToolCalls.Find(c => c.Index == index) ?? throw new InvalidOperationException($"arguments for tool call {index} before its start");
        call.Arguments.Append(Encoding.UTF8.GetString(utf8Json));
        call.Fragments++;
        Note('A');
    }

    public string? StopSequence { get; private set; }

    public void Finish(FinishReason reason, string? stopSequence = null)
    {
        Finished = reason;
        StopSequence = stopSequence;
        Note('F');
    }

    public void ReportUsage(in TokenUsage usage)
    {
        Usage = usage;
        Note('U');
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        Flushes++;
        return ValueTask.CompletedTask;
    }

    private void Note(char kind)
    {
        if (Order.Count == 0 || Order[^1] != kind)
        {
            Order.Add(kind);
        }
    }
}

internal sealed record RecordedToolCall(int Index, string Id, string Name)
{
    public StringBuilder Arguments { get; } = new();

    public int Fragments { get; set; }
}
