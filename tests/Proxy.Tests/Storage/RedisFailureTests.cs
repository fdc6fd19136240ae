using LlmProxy.Storage;

namespace LlmProxy.Tests.Storage;

public sealed class RedisFailureTests
{
    [Fact]
    public void Reason_StackExchangeRedisMessageWithTheConnectionState_KeepsTheCauseAndEndpointOnly()
    {
        var failure = new TimeoutException("The message timed out in the backlog attempting to send because no connection became available (1000ms) - " +
            "Last Connection Exception: UnableToConnect (0-read, 0-sent) on 127.0.0.1:1/Subscription, Initializing/NotStarted, last: NONE, origin: " +
            "BeginConnectAsync, outstanding: 0, last-read: 0s ago, keep-alive: 60s, v: 3.4.35.20751, command=SUBSCRIBE");

        Assert.Equal("The message timed out in the backlog attempting to send because no connection became available (1000ms) - Last Connection " +
            "Exception: UnableToConnect (0-read, 0-sent) on 127.0.0.1:1/Subscription, Initializing/NotStarted", RedisFailure.Reason(failure));
    }

    [Fact]
    public void Reason_ShortMessage_IsKeptWhole() =>
        Assert.Equal("Timeout awaiting response", RedisFailure.Reason(new TimeoutException("Timeout awaiting response")));
}
