using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Providers;

namespace LlmProxy.Inbound.OpenAIChat;

/// <summary>
/// One validating pass over a Chat Completions body that finds what the proxy owns: <c>model</c>, <c>stream</c>
/// and <c>stream_options.include_usage</c>. For streams, usage is forced on upstream (the proxy needs the counts)
/// with one splice, and <see cref="RequestEnvelope.ClientWantsUsage"/> remembers whether to pass the usage chunk on.
/// </summary>
internal static class OpenAIChatEnvelopeReader
{
    private static readonly byte[] AddStreamOptions = ",\"stream_options\":{\"include_usage\":true}"u8.ToArray();
    private static readonly byte[] UsageOnObject = "{\"include_usage\":true}"u8.ToArray();
    private static readonly byte[] IncludeUsageFirst = "\"include_usage\":true,"u8.ToArray();
    private static readonly byte[] IncludeUsageOnly = "\"include_usage\":true"u8.ToArray();
    private static readonly byte[] True = "true"u8.ToArray();

    public static bool TryRead(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error) =>
        EnvelopeFields.TryRead(body, TryReadCore, out envelope, out error);

    private static bool TryReadCore(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error)
    {
        envelope = default;
        var reader = new Utf8JsonReader(body.Span, EnvelopeFields.ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = EnvelopeFields.NotAnObject();
            return false;
        }
        var model = ModelToken.None;
        var members = new MemberNames(stackalloc byte[EnvelopeFields.NameBytes], stackalloc int[EnvelopeFields.Names]);
        var optionMembers = new MemberNames(stackalloc byte[64], stackalloc int[8]);
        var rootEnd = -1;
        bool stream = false, inStreamOptions = false, optionsHaveMembers = false;
        int optionsStart = -1, optionsNullOffset = -1, includeUsageOffset = -1, includeUsageLength = 0;
        bool? includeUsage = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                if (!members.TryNote(reader, null, out error)
                    || !EnvelopeFields.TryReadShared(ref reader, body, ref model, ref stream, out var handled, out error))
                {
                    return false;
                }
                if (!handled && reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        optionsStart = (int)reader.TokenStartIndex;
                        inStreamOptions = true;
                    }
                    else if (reader.TokenType == JsonTokenType.Null)
                    {
                        optionsNullOffset = (int)reader.TokenStartIndex;
                    }
                    else
                    {
                        error = GatewayError.BadRequest("'stream_options' must be an object.", "stream_options");
                        return false;
                    }
                }
            }
            else if (inStreamOptions && reader.CurrentDepth == 2 && reader.TokenType == JsonTokenType.PropertyName)
            {
                optionsHaveMembers = true;
                if (!optionMembers.TryNote(reader, "stream_options", out error))
                {
                    return false;
                }
                if (reader.ValueTextEquals("include_usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
                    {
                        error = GatewayError.BadRequest("'stream_options.include_usage' must be a boolean.", "stream_options.include_usage");
                        return false;
                    }
                    includeUsage = reader.TokenType == JsonTokenType.True;
                    includeUsageOffset = (int)reader.TokenStartIndex;
                    includeUsageLength = (int)(reader.BytesConsumed - reader.TokenStartIndex);
                }
            }
            else if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 1)
            {
                inStreamOptions = false;
            }
            else if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
            {
                rootEnd = (int)reader.TokenStartIndex;
            }
        }
        if (model.Offset < 0)
        {
            error = EnvelopeFields.MissingModel();
            return false;
        }
        var clientWantsUsage = stream && includeUsage == true;
        var splice = !stream || clientWantsUsage ? default
            : optionsStart >= 0 && includeUsageOffset >= 0 ? new BodySplice(includeUsageOffset, includeUsageLength, True)
            : optionsStart >= 0 ? new BodySplice(optionsStart + 1, 0, optionsHaveMembers ? IncludeUsageFirst : IncludeUsageOnly)
            : optionsNullOffset >= 0 ? new BodySplice(optionsNullOffset, 4, UsageOnObject)
            : new BodySplice(rootEnd, 0, AddStreamOptions);
        envelope = new RequestEnvelope(model.Value, model.Offset, model.Length, stream, clientWantsUsage, splice);
        error = null;
        return true;
    }
}
