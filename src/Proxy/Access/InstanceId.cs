namespace LlmProxy.Access;

/// <summary>
/// This process's name among the instances sharing a Redis: what <see cref="RedisInstances"/> stamps in
/// <c>{keyPrefix}instances</c>, and what a background run is registered under so that other instances find it.
/// </summary>
internal sealed class InstanceId
{
    /// <summary>Host, process and a random part: two proxies in one process (tests) are two instances.</summary>
    public string Value { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    public override string ToString() => Value;
}
