using Microsoft.Net.Http.Headers;

namespace LlmProxy.Access;

/// <summary>Reads the key a client presented: <c>Authorization: Bearer KEY</c> (OpenAI SDKs) or <c>x-api-key: KEY</c> (Anthropic SDKs).</summary>
internal static class ClientCredentials
{
    public static ReadOnlySpan<char> Read(IHeaderDictionary headers)
    {
        var authorization = headers[HeaderNames.Authorization];
        if (authorization.Count == 1)
        {
            var value = authorization[0].AsSpan().Trim();
            if (value.Length > 7 && value[..7].Equals("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return value[7..].Trim();
            }
        }
        var apiKey = headers["x-api-key"];
        return apiKey.Count == 1 ? apiKey[0].AsSpan().Trim() : default;
    }
}
