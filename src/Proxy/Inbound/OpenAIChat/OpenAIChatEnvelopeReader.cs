using System.Text.Json;
using System.Text.Unicode;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIChat;

/// <summary>
/// One validating pass over a Chat Completions body that finds what the proxy owns: <c>model</c>, <c>stream</c>
/// and <c>stream_options.include_usage</c>. For streams, usage is forced on upstream (the proxy needs the counts)
/// with one splice, and <see cref="RequestEnvelope.ClientWantsUsage"/> remembers whether to pass the usage chunk on.
/// </summary>
internal static class OpenAIChatEnvelopeReader
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 256 };
    private static readonly byte[] AddStreamOptions = ",\"stream_options\":{\"include_usage\":true}"u8.ToArray();
    private static readonly byte[] UsageOnObject = "{\"include_usage\":true}"u8.ToArray();
    private static readonly byte[] IncludeUsageFirst = "\"include_usage\":true,"u8.ToArray();
    private static readonly byte[] IncludeUsageOnly = "\"include_usage\":true"u8.ToArray();
    private static readonly byte[] True = "true"u8.ToArray();

    public static bool TryRead(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error)
    {
        envelope = default;
        // The reader checks JSON grammar but not the UTF-8 inside strings; the provider would reject it less clearly.
        if (!Utf8.IsValid(body.Span))
        {
            error = GatewayError.BadRequest("The request body is not valid UTF-8.");
            return false;
        }
        try
        {
            return TryReadCore(body, out envelope, out error);
        }
        catch (JsonException e)
        {
            error = GatewayError.BadRequest($"The request body is not valid JSON: {e.Message}");
            return false;
        }
    }

    private static bool TryReadCore(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error)
    {
        envelope = default;
        var reader = new Utf8JsonReader(body.Span, Options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = GatewayError.BadRequest("The request body must be a JSON object.");
            return false;
        }
        ReadOnlyMemory<byte> model = default;
        int modelOffset = -1, modelLength = 0, rootEnd = -1;
        bool stream = false, inStreamOptions = false, optionsHaveMembers = false;
        int optionsStart = -1, optionsNullOffset = -1, includeUsageOffset = -1, includeUsageLength = 0;
        bool? includeUsage = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || modelOffset >= 0)
                    {
                        error = GatewayError.BadRequest(modelOffset >= 0 ? "'model' appears twice." : "'model' must be a string.", "model");
                        return false;
                    }
                    modelOffset = (int)reader.TokenStartIndex;
                    modelLength = reader.ValueSpan.Length + 2;
                    model = reader.ValueIsEscaped ? Unescape(ref reader) : body.Slice(modelOffset + 1, reader.ValueSpan.Length);
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
                    {
                        error = GatewayError.BadRequest("'stream' must be a boolean.", "stream");
                        return false;
                    }
                    stream = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("stream_options"u8))
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
        if (modelOffset < 0)
        {
            error = GatewayError.BadRequest("You must provide a model parameter.", "model");
            return false;
        }
        var clientWantsUsage = stream && includeUsage == true;
        var splice = !stream || clientWantsUsage ? default
            : optionsStart >= 0 && includeUsageOffset >= 0 ? new BodySplice(includeUsageOffset, includeUsageLength, True)
            : optionsStart >= 0 ? new BodySplice(optionsStart + 1, 0, optionsHaveMembers ? IncludeUsageFirst : IncludeUsageOnly)
            : optionsNullOffset >= 0 ? new BodySplice(optionsNullOffset, 4, UsageOnObject)
            : new BodySplice(rootEnd, 0, AddStreamOptions);
        envelope = new RequestEnvelope(model, modelOffset, modelLength, stream, clientWantsUsage, splice);
        error = null;
        return true;
    }

    private static ReadOnlyMemory<byte> Unescape(ref Utf8JsonReader reader)
    {
        var buffer = new byte[reader.ValueSpan.Length];
        var written = reader.CopyString(buffer);
        return buffer.AsMemory(0, written);
    }
}
