namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Ids the proxy mints for the Responses API, in OpenAI's shape: a type prefix (<c>resp_</c>, <c>msg_</c>, <c>fc_</c>,
/// <c>rs_</c>) and 48 lowercase hex digits. 192 random bits make a collision, across instances and retention, beyond
/// reach; they need not be a secret (every stored response is scoped to its key, another key's id answers 404), so
/// they come from the process's fast generator rather than the operating system's, which cost a tenth of a request.
/// </summary>
internal static class ResponseIds
{
    private const int RandomBytes = 24;

    public static string New(string prefix) => string.Create(prefix.Length + RandomBytes * 2, prefix, static (chars, prefix) =>
    {
        prefix.CopyTo(chars);
        Span<byte> random = stackalloc byte[RandomBytes];
        Random.Shared.NextBytes(random);
        Convert.TryToHexStringLower(random, chars[prefix.Length..], out _);
    });
}
