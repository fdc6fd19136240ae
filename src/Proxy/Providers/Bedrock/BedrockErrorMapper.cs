using System.Text;
using System.Text.Json;
using LlmProxy.Streaming;

namespace LlmProxy.Providers.Bedrock;

/// <summary>Bedrock's error body, <c>{"message":"..."}</c> (AWS JSON protocol; the type is in <c>x-amzn-ErrorType</c>).</summary>
internal static class BedrockErrorMapper
{
    public static ProviderError Map(int status, ReadOnlySpan<byte> body, TimeSpan? retryAfter) =>
        new(ProviderErrorKind.UpstreamStatus, MessageOf(body)) { Status = status, RetryAfter = retryAfter };

    /// <summary>The <c>message</c> (or <c>Message</c>) of an AWS error payload; the raw text, cut short, when there is none.</summary>
    public static string MessageOf(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isMessage = reader.ValueTextEquals("message"u8) || reader.ValueTextEquals("Message"u8);
                    reader.Read();
                    if (isMessage && reader.TokenType == JsonTokenType.String)
                    {
                        return JsonStringReader.ReadText(ref reader);
                    }
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON: the raw text below.
        }
        var text = Encoding.UTF8.GetString(payload).Trim();
        return text.Length == 0 ? "the provider answered with no message" : text.Length <= 1000 ? text : text[..1000] + "...";
    }
}
