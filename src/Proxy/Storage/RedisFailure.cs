namespace LlmProxy.Storage;

/// <summary>
/// A Redis failure as one short log reason: StackExchange.Redis appends the connection's whole state to its messages
/// (<c>..., last: NONE, origin: ..., outstanding: 0, ... IOCP: ..., v: 3.4.35</c>), several hundred characters of it,
/// which is cut at <c>, last:</c>. What is left names the cause and the endpoint.
/// </summary>
internal static class RedisFailure
{
    public static string Reason(Exception e)
    {
        var message = e.Message;
        var state = message.IndexOf(", last:", StringComparison.Ordinal);
        return state > 0 ? message[..state] : message;
    }
}
