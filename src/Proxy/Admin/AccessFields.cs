namespace LlmProxy.Admin;

/// <summary>
/// The fields of an admin body about a key or a team, each present or absent (<see cref="FieldChange{T}"/>), already
/// checked: <see cref="Models"/> are configured aliases or <c>*</c>; <see cref="Rpm"/>, <see cref="Tpm"/>,
/// <see cref="MaxParallel"/> positive or null; <see cref="BudgetUsd"/> USD, 0 or more with at most 6 decimals, or null;
/// <see cref="BudgetPeriod"/> a <see cref="Config.BudgetCalendar"/> name; <see cref="ExpiresAt"/> Unix seconds in the
/// future or null; <see cref="MetadataJson"/> a JSON object as sent (at most 16 KiB) or null;
/// <see cref="GracePeriodSeconds"/> 0 to 30 days (rotation only). What depends on other records (a name taken, a team
/// that does not exist) is checked when the change is applied.
/// </summary>
internal sealed class AccessFields
{
    public FieldChange<string> Name { get; set; }

    public FieldChange<string?> Team { get; set; }

    public FieldChange<IReadOnlyList<string>> Models { get; set; }

    public FieldChange<int?> Rpm { get; set; }

    public FieldChange<int?> Tpm { get; set; }

    public FieldChange<int?> MaxParallel { get; set; }

    public FieldChange<decimal?> BudgetUsd { get; set; }

    public FieldChange<string> BudgetPeriod { get; set; }

    public FieldChange<long?> ExpiresAt { get; set; }

    public FieldChange<string?> MetadataJson { get; set; }

    public FieldChange<bool> Revoked { get; set; }

    public FieldChange<long> GracePeriodSeconds { get; set; }
}
