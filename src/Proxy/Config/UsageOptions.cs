namespace LlmProxy.Config;

/// <summary>
/// The <c>usage</c> section. <paramref name="Ledger"/>: write one usage record per request to the store (default true).
/// <paramref name="QueueCapacity"/>: records waiting for the store at most; past it new ones are dropped and counted,
/// never waited for. <paramref name="ReserveOutputTokens"/>: the output tokens a request reserves against tpm when it
/// sets no output limit of its own.
/// </summary>
internal sealed record UsageOptions(bool Ledger, int QueueCapacity, int ReserveOutputTokens)
{
    public static readonly UsageOptions Default = new(true, 65_536, 4_096);
}
