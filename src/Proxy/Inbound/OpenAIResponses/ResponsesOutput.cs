using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The output items of one translated answer, in the order the provider produced them: text opens a message item,
/// reasoning a reasoning item, each tool call a function_call item; a change of kind starts a new item, so
/// interleaved reasoning and text stay in order. Shared by the stream writer (which also sends events) and the
/// non-stream writer. Disposed once the answer is written, giving the items' pooled text back.
/// </summary>
internal sealed class ResponsesOutput : IDisposable
{
    private readonly List<OutputItem> _items = [];
    private OutputItem?[] _toolCalls = [];

    public IReadOnlyList<OutputItem> Items => _items;

    public FinishReason? Finish { get; set; }

    public TokenUsage? Usage { get; set; }

    /// <summary>The last item; null before the first.</summary>
    public OutputItem? Current => _items.Count > 0 ? _items[^1] : null;

    /// <summary>The item that takes the next piece of <paramref name="kind"/> text: the current one when it is of that kind and open, else a new one.</summary>
    public OutputItem ForText(OutputItemKind kind, out bool isNew)
    {
        if (Current is { Done: false } current && current.Kind == kind && !(kind == OutputItemKind.Reasoning && current.Signature is not null))
        {
            isNew = false;
            return current;
        }
        isNew = true;
        return Add(new OutputItem(kind, ResponseIds.New(kind == OutputItemKind.Message ? "msg_" : "rs_"), _items.Count));
    }

    public OutputItem StartToolCall(int index, string callId, string name)
    {
        if (index >= _toolCalls.Length)
        {
            Array.Resize(ref _toolCalls, Math.Max(index + 1, _toolCalls.Length * 2));
        }
        return _toolCalls[index] = Add(new OutputItem(OutputItemKind.FunctionCall, ResponseIds.New("fc_"), _items.Count) { CallId = callId, Name = name });
    }

    public OutputItem? ToolCall(int index) => index < _toolCalls.Length ? _toolCalls[index] : null;

    /// <summary>The reasoning item a signature belongs to: the last one, when it has none yet.</summary>
    public OutputItem? UnsignedReasoning()
    {
        for (var i = _items.Count - 1; i >= 0; i--)
        {
            if (_items[i].Kind == OutputItemKind.Reasoning)
            {
                return _items[i].Signature is null ? _items[i] : null;
            }
        }
        return null;
    }

    /// <summary>Gives the items' pooled text back: the answer has been written and stored.</summary>
    public void Dispose()
    {
        foreach (var item in _items)
        {
            item.Text.Dispose();
        }
    }

    private OutputItem Add(OutputItem item)
    {
        _items.Add(item);
        return item;
    }
}
