using StackExchange.Redis;

namespace LlmProxy.Storage;

/// <summary>
/// A Redis failure as one short log reason: StackExchange.Redis appends the connection's whole state to its messages
/// (<c>..., last: NONE, origin: ..., outstanding: 0, ... IOCP: ..., v: 3.4.35</c>), several hundred characters of it,
/// which is cut at <c>, last:</c>. What is left names the cause and the endpoint.
/// </summary>
internal static partial class RedisFailure
{
    /// <summary>
    /// Connects as <see cref="ConnectionMultiplexer.Connect(ConfigurationOptions, TextWriter?)"/> does, and logs once, as an
    /// error, that Redis refused the credentials of <c>redis.connectionString</c>: a mistake to fix, which otherwise looks
    /// like Redis being away (limits counted locally, warnings about connecting). Found in the connection's own log of
    /// its first attempt, and in every failure event after it.
    /// </summary>
    public static ConnectionMultiplexer Connect(ConfigurationOptions options, ILogger logger)
    {
        var told = 0;
        var endPoints = string.Join(", ", options.EndPoints);
        void Refused()
        {
            if (Interlocked.Exchange(ref told, 1) == 0)
            {
                LogRefused(logger, endPoints);
            }
        }
        using var attempt = new AttemptLog(Refused);
        var connection = ConnectionMultiplexer.Connect(options, attempt);
        connection.ConnectionFailed += (_, failure) =>
        {
            if (failure.FailureType == ConnectionFailureType.AuthenticationFailure)
            {
                Refused();
            }
        };
        return connection;
    }

    [LoggerMessage(EventId = 7006, Level = LogLevel.Error,
        Message = "Redis at {EndPoint} refused the credentials in redis.connectionString (AuthenticationFailure): fix the user or password; until then every instance counts limits on its own")]
    private static partial void LogRefused(ILogger logger, string endPoint);

    public static string Reason(Exception e)
    {
        var message = e.Message;
        var state = message.IndexOf(", last:", StringComparison.Ordinal);
        return state > 0 ? message[..state] : message;
    }

    // The lines StackExchange.Redis writes while it connects: one naming AuthenticationFailure is a refused password.
    private sealed class AttemptLog(Action refused) : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
        }

        public override void Write(string? value) => Look(value);

        public override void WriteLine(string? value) => Look(value);

        private void Look(string? line)
        {
            if (line is not null && line.Contains("AuthenticationFailure", StringComparison.Ordinal))
            {
                refused();
            }
        }
    }
}
