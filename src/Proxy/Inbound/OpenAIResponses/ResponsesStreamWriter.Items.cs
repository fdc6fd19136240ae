using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>The output items' events: announcing an item, its deltas, and closing it with its done events.</summary>
internal sealed partial class ResponsesStreamWriter
{
    // A delta event: the event's fixed head, its sequence number, the item's position (encoded once per item), the delta escaped.
    private void WriteDelta(ReadOnlySpan<byte> head, OutputItem item, ReadOnlySpan<byte> delta, ReadOnlySpan<byte> tail)
    {
        _output.Write(head);
        Utf8Formatter.TryFormat(_sequence++, _output.GetSpan(11), out var written);
        _output.Advance(written);
        _output.Write(DeltaMiddle(item));
        _json.Reset(_output);
        _json.WriteStringValue(delta);
        _json.Flush();
        _output.Write(tail);
    }

    private byte[] DeltaMiddle(OutputItem item)
    {
        if (item.OutputIndex >= _deltaMiddles.Length)
        {
            Array.Resize(ref _deltaMiddles, Math.Max(item.OutputIndex + 1, _deltaMiddles.Length * 2));
        }
        if (_deltaMiddles[item.OutputIndex] is { } middle)
        {
            return middle;
        }
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            // Written as members of an object already open; the writer is told nothing of it, so it adds no comma first.
            json.WriteStartObject();
            json.WriteString("item_id"u8, item.Id);
            json.WriteNumber("output_index"u8, item.OutputIndex);
            if (item.Kind != OutputItemKind.FunctionCall)
            {
                json.WriteNumber(item.Kind == OutputItemKind.Message ? "content_index"u8 : "summary_index"u8, 0);
            }
            json.WritePropertyName("delta"u8);
            json.Flush();
        }
        // "{" becomes ",": the members follow sequence_number.
        var bytes = buffer.WrittenSpan.ToArray();
        bytes[0] = (byte)',';
        return _deltaMiddles[item.OutputIndex] = bytes;
    }

    // A new message or reasoning item: the items open before it are done, and the new one is announced with its part (a
    // reasoning item that opens with a signature and no text has none, as its final form has an empty summary).
    private OutputItem Begin(OutputItemKind kind, bool withPart = true)
    {
        EndOpenItems();
        var item = _answer.ForText(kind, out _);
        ItemAdded(item);
        if (!withPart)
        {
            return item;
        }
        BeginEvent(kind == OutputItemKind.Message ? "response.content_part.added"u8 : "response.reasoning_summary_part.added"u8);
        ItemPosition(item);
        if (kind == OutputItemKind.Message)
        {
            _json.WriteNumber("content_index"u8, 0);
            _json.WritePropertyName("part"u8);
            ResponseObjectWriter.WriteTextPart(_json, default);
        }
        else
        {
            _json.WriteNumber("summary_index"u8, 0);
            _json.WritePropertyName("part"u8);
            ResponseObjectWriter.WriteSummaryPart(_json, default);
        }
        EndEvent();
        return item;
    }

    private void ItemAdded(OutputItem item)
    {
        BeginEvent("response.output_item.added"u8);
        _json.WriteNumber("output_index"u8, item.OutputIndex);
        _json.WriteStartObject("item"u8);
        _json.WriteString("id"u8, item.Id);
        switch (item.Kind)
        {
            case OutputItemKind.Message:
                _json.WriteString("type"u8, "message"u8);
                _json.WriteString("status"u8, "in_progress"u8);
                _json.WriteStartArray("content"u8);
                _json.WriteEndArray();
                _json.WriteString("role"u8, "assistant"u8);
                break;
            case OutputItemKind.FunctionCall:
                _json.WriteString("type"u8, "function_call"u8);
                _json.WriteString("status"u8, "in_progress"u8);
                _json.WriteString("arguments"u8, ""u8);
                _json.WriteString("call_id"u8, item.CallId);
                _json.WriteString("name"u8, item.Name);
                break;
            default:
                _json.WriteString("type"u8, "reasoning"u8);
                _json.WriteStartArray("summary"u8);
                _json.WriteEndArray();
                break;
        }
        _json.WriteEndObject();
        EndEvent();
    }

    // OpenAI closes each item before it adds the next: so does the proxy (providers stream parallel calls one after another).
    private void EndOpenItems()
    {
        foreach (var item in _answer.Items)
        {
            if (!item.Done)
            {
                End(item, "completed");
            }
        }
    }

    // Every open item, in output order, with the status the final Response gives it.
    private void EndAll(string responseStatus)
    {
        foreach (var item in _answer.Items)
        {
            if (!item.Done)
            {
                End(item, ResponseObjectWriter.ItemStatus(item, _answer, responseStatus));
            }
        }
    }

    private void End(OutputItem item, string status)
    {
        item.Done = true;
        var text = item.Text.WrittenSpan;
        switch (item.Kind)
        {
            case OutputItemKind.Message:
                BeginEvent("response.output_text.done"u8);
                ItemPosition(item);
                _json.WriteNumber("content_index"u8, 0);
                _json.WriteString("text"u8, text);
                _json.WriteStartArray("logprobs"u8);
                _json.WriteEndArray();
                EndEvent();
                BeginEvent("response.content_part.done"u8);
                ItemPosition(item);
                _json.WriteNumber("content_index"u8, 0);
                _json.WritePropertyName("part"u8);
                ResponseObjectWriter.WriteTextPart(_json, text);
                EndEvent();
                break;
            case OutputItemKind.Reasoning when text.Length > 0:
                BeginEvent("response.reasoning_summary_text.done"u8);
                ItemPosition(item);
                _json.WriteNumber("summary_index"u8, 0);
                _json.WriteString("text"u8, text);
                EndEvent();
                BeginEvent("response.reasoning_summary_part.done"u8);
                ItemPosition(item);
                _json.WriteNumber("summary_index"u8, 0);
                _json.WritePropertyName("part"u8);
                ResponseObjectWriter.WriteSummaryPart(_json, text);
                EndEvent();
                break;
            case OutputItemKind.FunctionCall:
                BeginEvent("response.function_call_arguments.done"u8);
                ItemPosition(item);
                _json.WriteString("name"u8, item.Name);
                _json.WriteString("arguments"u8, text.IsEmpty ? "{}"u8 : text);
                EndEvent();
                break;
        }
        BeginEvent("response.output_item.done"u8);
        _json.WriteNumber("output_index"u8, item.OutputIndex);
        _json.WritePropertyName("item"u8);
        ResponseObjectWriter.WriteItem(_json, item, status, seal);
        EndEvent();
    }
}
