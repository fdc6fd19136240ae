namespace LlmProxy.Config;

/// <summary>When a budget starts over: at 00:00 UTC each day, each Monday (ISO 8601 weeks), each first of the month, or never.</summary>
internal enum BudgetPeriod
{
    Never,
    Daily,
    Weekly,
    Monthly,
}
