using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace LlmProxy.Storage;

/// <summary>
/// A Lua script sent by its SHA1 (<c>EVALSHA</c>), worked out once. StackExchange.Redis's text overload finds a script's
/// SHA1 by looking its text up in a table on every call, which hashes the whole text: 3.5 µs for the 4.7 KB admission
/// script on this machine, on every request. A server that does not hold the script (restarted, flushed) answers
/// <c>NOSCRIPT</c>, and the text is sent then, which loads it again.
/// </summary>
internal sealed class RedisScript(string text)
{
    private readonly byte[] _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));

    public string Text => text;

    public async Task<RedisResult> EvaluateAsync(IDatabase database, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await database.ScriptEvaluateAsync(_sha1, keys, values);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await database.ScriptEvaluateAsync(text, keys, values);
        }
    }
}
