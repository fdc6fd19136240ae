using System.Text;
using System.Text.Json;
using LlmProxy.Streaming;

namespace LlmProxy.Providers.OpenAI;

/// <summary>
/// Reads an OpenAI-style error body, <c>{"error":{"message","type","param","code"}}</c>, which OpenAI, Azure and
/// most compatible servers send. Anything else (an HTML page from a load balancer, <c>{"detail":...}</c>) keeps its
/// text as the message, cut short, so the client still learns what the provider said.
/// </summary>
internal static class OpenAIErrorMapper
{
    private const int MaxMessageChars = 1000;

    public static ProviderError Map(int status, ReadOnlySpan<byte> body, TimeSpan? retryAfter)
    {
        string? message = null, type = null, code = null, param = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isError = reader.ValueTextEquals("error"u8);
                    reader.Read();
                    if (isError && reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadErrorObject(ref reader, ref message, ref type, ref code, ref param);
                    }
                    else if (isError && reader.TokenType == JsonTokenType.String)
                    {
                        message = JsonStringReader.ReadText(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON: fall back to the raw text below.
        }
        message ??= Fallback(status, body);
        return new ProviderError(ProviderErrorKind.UpstreamStatus, message)
        {
            Status = status,
            Type = type,
            Code = code,
            Param = param,
            RetryAfter = retryAfter,
        };
    }

    private static void ReadErrorObject(ref Utf8JsonReader reader, ref string? message, ref string? type, ref string? code, ref string? param)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            var value = reader.TokenType switch
            {
                JsonTokenType.String => JsonStringReader.ReadText(ref reader),
                JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                _ => null,
            };
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
            if (name.SequenceEqual("message"u8)) message = value;
            else if (name.SequenceEqual("type"u8)) type = value;
            else if (name.SequenceEqual("code"u8)) code = value;
            else if (name.SequenceEqual("param"u8)) param = value;
        }
    }

    private static string Fallback(int status, ReadOnlySpan<byte> body)
    {
        var text = Encoding.UTF8.GetString(body).Trim();
        if (text.Length == 0)
        {
            return $"the provider answered HTTP {status} with no message";
        }
        return text.Length <= MaxMessageChars ? text : text[..MaxMessageChars] + "...";
    }
}
