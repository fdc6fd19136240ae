using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// One validating pass over a Responses API body that finds what the proxy owns: <c>model</c> and <c>stream</c>, and
/// the fields that decide what the store does: <c>store</c> (default true), <c>previous_response_id</c>,
/// <c>background</c>. A Responses stream reports usage in its last event, so nothing is spliced upstream.
/// </summary>
internal static class ResponsesEnvelopeReader
{
    public static bool TryRead(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out ResponsesEnvelope responses, out GatewayError? error)
    {
        var read = EnvelopeFields.TryRead<(RequestEnvelope, ResponsesEnvelope)>(body, TryReadCore, out var both, out error);
        (envelope, responses) = both;
        return read;
    }

    private static bool TryReadCore(ReadOnlyMemory<byte> body, out (RequestEnvelope Envelope, ResponsesEnvelope Responses) result, out GatewayError? error)
    {
        result = default;
        var reader = new Utf8JsonReader(body.Span, EnvelopeFields.ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = EnvelopeFields.NotAnObject();
            return false;
        }
        var model = ModelToken.None;
        var members = new MemberNames(stackalloc byte[EnvelopeFields.NameBytes], stackalloc int[EnvelopeFields.Names]);
        bool stream = false, store = true, background = false;
        string? previous = null;
        var inInput = false;
        var item = -1;
        while (reader.Read())
        {
            if (inInput && !IsItemReference(ref reader, ref inInput, ref item, out error))
            {
                return false;
            }
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
            {
                continue;
            }
            if (!members.TryNote(reader, null, out error) || !EnvelopeFields.TryReadShared(ref reader, body, ref model, ref stream, out var handled, out error))
            {
                return false;
            }
            if (handled)
            {
                continue;
            }
            if (reader.ValueTextEquals("store"u8) || reader.ValueTextEquals("background"u8))
            {
                var isStore = reader.ValueTextEquals("store"u8);
                reader.Read();
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
                {
                    var name = isStore ? "store" : "background";
                    error = GatewayError.BadRequest($"'{name}' must be a boolean.", name);
                    return false;
                }
                (store, background) = isStore ? (reader.TokenType != JsonTokenType.False, background) : (store, reader.TokenType == JsonTokenType.True);
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                reader.Read();
                inInput = reader.TokenType == JsonTokenType.StartArray;
            }
            else if (reader.ValueTextEquals("conversation"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null)
                {
                    // OpenAI's conversations belong to the whole project the proxy's provider key opens, not to one client key.
                    error = GatewayError.BadRequest("'conversation' (OpenAI's Conversations API) is not supported by this proxy: continue a conversation with 'previous_response_id'.", "conversation");
                    return false;
                }
            }
            else if (reader.ValueTextEquals("previous_response_id"u8))
            {
                reader.Read();
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                {
                    error = GatewayError.BadRequest("'previous_response_id' must be a string.", "previous_response_id");
                    return false;
                }
                try
                {
                    previous = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                catch (InvalidOperationException)
                {
                    error = GatewayError.BadRequest(RequestJson.NotUnicodeText("previous_response_id"), "previous_response_id");
                    return false;
                }
            }
        }
        if (model.Offset < 0)
        {
            error = EnvelopeFields.MissingModel();
            return false;
        }
        result = (new RequestEnvelope(model.Value, model.Offset, model.Length, stream, ClientWantsUsage: true, default),
            new ResponsesEnvelope(store, previous, background));
        error = null;
        return true;
    }

    // Inside the input array: an item_reference names an item by an id the provider resolves across the whole project
    // the proxy's key opens, whoever stored it, so it is refused for every provider; false with that 400.
    private static bool IsItemReference(ref Utf8JsonReader reader, ref bool inInput, ref int item, out GatewayError? error)
    {
        error = null;
        if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.EndArray)
        {
            inInput = false;
        }
        else if (reader.CurrentDepth == 2 && reader.TokenType == JsonTokenType.StartObject)
        {
            item++;
        }
        else if (reader.CurrentDepth == 3 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("type"u8))
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("item_reference"u8))
            {
                error = GatewayError.BadRequest($"'input[{item}]' is an item_reference, which this proxy does not support: send the item itself, or continue with 'previous_response_id'.",
                    $"input[{item}].type");
                return false;
            }
        }
        return true;
    }
}
