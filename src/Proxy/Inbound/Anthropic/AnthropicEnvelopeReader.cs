using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.Anthropic;

/// <summary>
/// One validating pass over a Messages body that finds what the proxy owns: <c>model</c> and <c>stream</c>.
/// Anthropic streams always carry usage, so nothing else is spliced.
/// </summary>
internal static class AnthropicEnvelopeReader
{
    public static bool TryRead(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error) =>
        EnvelopeFields.TryRead(body, TryReadCore, out envelope, out error);

    private static bool TryReadCore(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error)
    {
        envelope = default;
        error = null;
        var reader = new Utf8JsonReader(body.Span, EnvelopeFields.ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = EnvelopeFields.NotAnObject();
            return false;
        }
        var model = ModelToken.None;
        var members = new MemberNames(stackalloc byte[EnvelopeFields.NameBytes], stackalloc int[EnvelopeFields.Names]);
        var stream = false;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
            {
                continue;
            }
            if (!members.TryNote(reader, null, out error)
                || !EnvelopeFields.TryReadShared(ref reader, body, ref model, ref stream, out _, out error))
            {
                return false;
            }
        }
        if (model.Offset < 0)
        {
            error = EnvelopeFields.MissingModel();
            return false;
        }
        envelope = new RequestEnvelope(model.Value, model.Offset, model.Length, stream, ClientWantsUsage: true, default);
        return true;
    }
}
