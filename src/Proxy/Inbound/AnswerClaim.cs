namespace LlmProxy.Inbound;

/// <summary>One attempt's ticket to the <see cref="AnswerGate"/>: writers and relays claim it just before their first write.</summary>
internal readonly record struct AnswerClaim(AnswerGate Gate, int Attempt, string Deployment, long UpstreamTicks)
{
    public bool TryClaim() => Gate.TryClaim(Attempt, Deployment, UpstreamTicks);
}
