namespace LlmProxy.Storage;

/// <summary>What <see cref="IUsageStore.SummarizeAsync"/> groups ledger records by (<c>group_by</c> of <c>GET /admin/usage</c>).</summary>
internal enum UsageGrouping
{
    /// <summary>The key's id.</summary>
    Key,
    /// <summary>The team's id; keys in no team form the group null.</summary>
    Team,
    /// <summary>The alias the client asked for.</summary>
    Model,
    /// <summary>The provider's name in the config; requests that reached none form the group null.</summary>
    Provider,
    /// <summary>The UTC day of the request's arrival, <c>yyyy-MM-dd</c>.</summary>
    Day,
}
