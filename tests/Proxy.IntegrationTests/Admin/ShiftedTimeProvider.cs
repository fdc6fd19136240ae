namespace LlmProxy.IntegrationTests.Admin;

/// <summary>The system clock moved forward by <see cref="Offset"/>: a test can jump past a grace period without waiting, while timers still run.</summary>
internal sealed class ShiftedTimeProvider : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
