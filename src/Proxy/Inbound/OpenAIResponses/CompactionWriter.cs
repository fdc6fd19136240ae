using System.Buffers;
using System.Text;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Collects the model's summary and writes the compaction answer: <c>{"id","object":"response.compaction",
/// "created_at","model","output","usage"}</c>, where <c>output</c> is the conversation's user messages, verbatim, then one
/// <c>compaction</c> item whose <c>encrypted_content</c> is the summary sealed by the proxy.
/// </summary>
internal sealed class CompactionWriter(HttpContext context, byte[] userMessages, ReasoningSeal seal, long createdAt, string model, AnswerClaim? claim) : IAnswerWriter
{
    private readonly ArrayBufferWriter<byte> _summary = new(1024);

    public TokenUsage? Usage { get; private set; }

    public long OpenedTimestamp => 0;

    public void Start(in StreamStart start)
    {
    }

    public void TextDelta(ReadOnlySpan<byte> utf8Text) => _summary.Write(utf8Text);

    // The model's reasoning about how to summarise is not part of the summary.
    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text)
    {
    }

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature)
    {
    }

    public void ToolCallStart(int index, string id, string name)
    {
    }

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json)
    {
    }

    public void Finish(FinishReason reason, string? stopSequence = null)
    {
    }

    public void ReportUsage(in TokenUsage usage) => Usage = usage;

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (claim is { } ticket && !ticket.TryClaim())
        {
            return Task.CompletedTask;
        }
        var sealedSummary = seal.Seal(ReasoningSeal.CompactionKind, Encoding.UTF8.GetString(_summary.WrittenSpan), null);
        return JsonAnswer.WriteAsync(context.Response, this, (json, self) =>
        {
            json.WriteStartObject();
            json.WriteString("id"u8, ResponseIds.New("resp_"));
            json.WriteString("object"u8, "response.compaction"u8);
            json.WriteNumber("created_at"u8, createdAt);
            json.WriteString("model"u8, model);
            json.WriteStartArray("output"u8);
            using (var users = System.Text.Json.JsonDocument.Parse(userMessages, RawJson.DocumentOptions))
            {
                foreach (var item in users.RootElement.EnumerateArray())
                {
                    item.WriteTo(json);
                }
            }
            json.WriteStartObject();
            json.WriteString("id"u8, ResponseIds.New("cmp_"));
            json.WriteString("type"u8, "compaction"u8);
            json.WriteString("encrypted_content"u8, sealedSummary);
            json.WriteEndObject();
            json.WriteEndArray();
            if (self.Usage is { } usage)
            {
                ResponseObjectWriter.WriteUsage(json, usage);
            }
            json.WriteEndObject();
        }, cancellationToken);
    }

    // Nothing has been sent before completion, so failures are answered as plain HTTP errors by the pipeline.
    public Task FailAsync(GatewayError error, CancellationToken cancellationToken) => Task.CompletedTask;
}
