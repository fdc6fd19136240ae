using System.Security.Cryptography;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Ids the proxy mints for the Responses API, in OpenAI's shape: a type prefix (<c>resp_</c>, <c>msg_</c>, <c>fc_</c>,
/// <c>rs_</c>) and 48 lowercase hex digits of randomness, so ids are unguessable (they name another key's stored data).
/// </summary>
internal static class ResponseIds
{
    public static string New(string prefix) => prefix + RandomNumberGenerator.GetHexString(48, lowercase: true);
}
