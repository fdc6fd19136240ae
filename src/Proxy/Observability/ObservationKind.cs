namespace LlmProxy.Observability;

/// <summary>What a <see cref="Observation"/> reports.</summary>
internal enum ObservationKind : byte
{
    /// <summary>
    /// A request answered (any route): its route label, method label and status; its access log entry when one is kept;
    /// its ledger record when it was proxied, and its served attempt when one was held for it.
    /// </summary>
    Answered,

    /// <summary>The ledger record of a request that ended with no HTTP answer (a background response's run), and its served attempt.</summary>
    Used,

    /// <summary>One upstream attempt's end: the alias, the deployment and the outcome.</summary>
    Attempted,
}
