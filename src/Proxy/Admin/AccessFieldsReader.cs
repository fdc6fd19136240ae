using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Routing;

namespace LlmProxy.Admin;

/// <summary>
/// Reads and checks the fields of an admin body (a JSON object) into <see cref="AccessFields"/>: the first fault is a
/// 400 naming the field (<see cref="AdminErrors"/>), and nothing is applied. Each request takes its own set of fields
/// (<see cref="KeyCreate"/>, <see cref="KeyUpdate"/>, <see cref="TeamFields"/>, <see cref="Rotate"/>).
/// </summary>
internal static class AccessFieldsReader
{
    public static readonly string[] KeyCreate = ["name", "team", "models", "rpm", "tpm", "maxParallel", "budgetUsd", "budgetPeriod", "expiresAt", "metadata"];
    public static readonly string[] KeyUpdate = [.. KeyCreate, "revoked"];
    public static readonly string[] TeamFields = ["name", "models", "rpm", "tpm", "maxParallel", "budgetUsd", "budgetPeriod", "metadata"];
    public static readonly string[] Rotate = ["gracePeriodSeconds"];

    public const int MaxNameChars = 256;
    public const int MaxMetadataBytes = 16 * 1024;
    public const long MaxGracePeriodSeconds = 30 * 86_400;

    /// <summary>
    /// A budget past this is no limit at all; the cap keeps it well inside what the budget arithmetic holds exactly
    /// (10^-12 USD units in an Int128, and a decimal while converting).
    /// </summary>
    public const decimal MaxBudgetUsd = 1_000_000_000_000m;

    // Metadata is stored and served as sent; a field given twice in it would read back differently in each client.
    private static readonly JsonDocumentOptions StrictMetadata = new() { AllowDuplicateProperties = false };

    public static GatewayError? Read(JsonElement body, string[] allowed, ModelCatalog catalog, DateTimeOffset now, out AccessFields fields)
    {
        fields = new AccessFields();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            string name;
            try
            {
                name = property.Name;
            }
            catch (InvalidOperationException)
            {
                return AdminErrors.InvalidJson("A field name in the body is not valid Unicode text (an unpaired surrogate escape such as \\ud800).");
            }
            if (!seen.Add(name))
            {
                return AdminErrors.DuplicateField(name);
            }
            if (Array.IndexOf(allowed, name) < 0)
            {
                return AdminErrors.UnknownField(name, allowed);
            }
            if (ReadField(name, property.Value, catalog, now, fields) is { } error)
            {
                return error;
            }
        }
        return null;
    }

    private static GatewayError? ReadField(string name, JsonElement value, ModelCatalog catalog, DateTimeOffset now, AccessFields fields)
    {
        GatewayError? error = null;
        switch (name)
        {
            case "name":
                fields.Name = FieldChange<string>.Set(ReadName(value, ref error)!);
                break;
            case "team":
                fields.Team = FieldChange<string?>.Set(value.ValueKind == JsonValueKind.Null ? null : ReadTeam(value, ref error));
                break;
            case "models":
                fields.Models = FieldChange<IReadOnlyList<string>>.Set(ReadModels(value, catalog, ref error));
                break;
            case "rpm":
                fields.Rpm = FieldChange<int?>.Set(ReadLimit(name, value, ref error));
                break;
            case "tpm":
                fields.Tpm = FieldChange<int?>.Set(ReadLimit(name, value, ref error));
                break;
            case "maxParallel":
                fields.MaxParallel = FieldChange<int?>.Set(ReadLimit(name, value, ref error));
                break;
            case "budgetUsd":
                fields.BudgetUsd = FieldChange<decimal?>.Set(ReadBudget(value, ref error));
                break;
            case "budgetPeriod":
                var period = ReadString(name, value, "one of " + string.Join(", ", BudgetCalendar.Names), ref error);
                error ??= BudgetCalendar.TryParse(period, out _) ? null
                    : AdminErrors.InvalidValue(name, $"'budgetPeriod' must be one of {string.Join(", ", BudgetCalendar.Names)}, not '{ErrorText.Quote(period)}'.");
                fields.BudgetPeriod = FieldChange<string>.Set(period!);
                break;
            case "expiresAt":
                fields.ExpiresAt = FieldChange<long?>.Set(value.ValueKind == JsonValueKind.Null ? null : ReadExpiry(value, now, ref error));
                break;
            case "metadata":
                fields.MetadataJson = FieldChange<string?>.Set(value.ValueKind == JsonValueKind.Null ? null : ReadMetadata(value, ref error));
                break;
            case "revoked":
                error = value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : AdminErrors.WrongType(name, "true or false");
                fields.Revoked = FieldChange<bool>.Set(value.ValueKind == JsonValueKind.True);
                break;
            case "gracePeriodSeconds":
                fields.GracePeriodSeconds = FieldChange<long>.Set(ReadGracePeriod(value, ref error));
                break;
            default:
                throw new InvalidOperationException($"'{name}' is in a field list but has no reader");
        }
        return error;
    }

    private static string? ReadName(JsonElement value, ref GatewayError? error)
    {
        var name = ReadString("name", value, "a string", ref error);
        if (name is null)
        {
            return null;
        }
        // Names appear in usage reports, CSV files and logs: printable text of a sensible length.
        error = name.Length == 0 || name.Length > MaxNameChars
            ? AdminErrors.InvalidValue("name", $"'name' must be 1 to {MaxNameChars} characters long.")
            : name.Any(char.IsControl) ? AdminErrors.InvalidValue("name", "'name' must not hold control characters.")
            : string.IsNullOrWhiteSpace(name) ? AdminErrors.InvalidValue("name", "'name' must not be only spaces.")
            : char.IsWhiteSpace(name[0]) || char.IsWhiteSpace(name[^1]) ? AdminErrors.InvalidValue("name", "'name' must not begin or end with spaces.")
            : null;
        return name;
    }

    private static string? ReadTeam(JsonElement value, ref GatewayError? error)
    {
        var team = ReadString("team", value, "a team id or null", ref error);
        error ??= team is { Length: > 0 } ? null : AdminErrors.InvalidValue("team", "'team' must be a team id or null, not an empty string.");
        return team;
    }

    private static IReadOnlyList<string> ReadModels(JsonElement value, ModelCatalog catalog, ref GatewayError? error)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            error = AdminErrors.WrongType("models", "an array of model aliases or \"*\"");
            return [];
        }
        var models = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            var alias = ReadString("models", item, "an array of model aliases or \"*\"", ref error);
            if (error is not null)
            {
                return [];
            }
            if (alias != "*" && catalog.Find(alias!) is null)
            {
                error = AdminErrors.InvalidValue("models", $"'models': '{ErrorText.Quote(alias)}' is not a configured model alias.");
                return [];
            }
            if (!models.Contains(alias!))
            {
                models.Add(alias!);
            }
        }
        // An empty list would make a key that can do nothing: revoke or delete a key to stop it.
        error = models.Count == 0 ? AdminErrors.InvalidValue("models", "'models' must name at least one alias, or \"*\" for every one.") : null;
        return models;
    }

    private static int? ReadLimit(string name, JsonElement value, ref GatewayError? error)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            error = AdminErrors.WrongType(name, "a positive whole number, or null for no limit");
            return null;
        }
        error = number is < 1 or > int.MaxValue
            ? AdminErrors.InvalidValue(name, $"'{name}' must be from 1 to {int.MaxValue}, or null for no limit; {number} is not.")
            : null;
        return (int)Math.Clamp(number, 1, int.MaxValue);
    }

    private static decimal? ReadBudget(JsonElement value, ref GatewayError? error)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number)
        {
            error = AdminErrors.WrongType("budgetUsd", "a number of USD, or null for no budget");
            return null;
        }
        if (!value.TryGetDecimal(out var budget) || budget > MaxBudgetUsd)
        {
            error = AdminErrors.InvalidValue("budgetUsd", $"'budgetUsd' must be at most {MaxBudgetUsd.ToString(CultureInfo.InvariantCulture)}.");
        }
        else if (budget < 0)
        {
            error = AdminErrors.InvalidValue("budgetUsd", "'budgetUsd' must be 0 or more.");
        }
        else if (decimal.Round(budget, 6) != budget)
        {
            error = AdminErrors.InvalidValue("budgetUsd", "'budgetUsd' must have at most 6 decimal places (a millionth of a dollar).");
        }
        return budget;
    }

    private static long? ReadExpiry(JsonElement value, DateTimeOffset now, ref GatewayError? error)
    {
        var text = ReadString("expiresAt", value, "an RFC 3339 date-time or null", ref error);
        if (text is null)
        {
            return null;
        }
        if (!Rfc3339.TryParse(text, out var expiresAt))
        {
            error = AdminErrors.InvalidValue("expiresAt",
                $"'expiresAt' must be an RFC 3339 date-time with an offset, such as 2030-01-31T00:00:00Z, not '{ErrorText.Quote(text)}'.");
            return null;
        }
        error = expiresAt <= now ? AdminErrors.InvalidValue("expiresAt", $"'expiresAt' ({ErrorText.Quote(text)}) must be in the future.") : null;
        return expiresAt.ToUnixTimeSeconds();
    }

    private static string? ReadMetadata(JsonElement value, ref GatewayError? error)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            error = AdminErrors.WrongType("metadata", "a JSON object or null");
            return null;
        }
        var raw = value.GetRawText();
        if (Encoding.UTF8.GetByteCount(raw) > MaxMetadataBytes)
        {
            error = AdminErrors.InvalidValue("metadata", $"'metadata' must be at most {MaxMetadataBytes} bytes of JSON.");
            return null;
        }
        try
        {
            using var strict = JsonDocument.Parse(raw, StrictMetadata);
        }
        catch (JsonException)
        {
            error = AdminErrors.InvalidValue("metadata", "'metadata' gives a field twice; give each field once.");
        }
        catch (InvalidOperationException)
        {
            // Comparing names decodes them: an unpaired surrogate escape cannot be (found by the admin-body fuzz target).
            error = AdminErrors.InvalidValue("metadata", "'metadata' holds a field name that is not valid Unicode text (an unpaired surrogate escape such as \\ud800).");
        }
        return raw;
    }

    private static long ReadGracePeriod(JsonElement value, ref GatewayError? error)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds))
        {
            error = AdminErrors.WrongType("gracePeriodSeconds", "a whole number of seconds");
            return 0;
        }
        error = seconds is < 0 or > MaxGracePeriodSeconds
            ? AdminErrors.InvalidValue("gracePeriodSeconds", $"'gracePeriodSeconds' must be from 0 to {MaxGracePeriodSeconds} (30 days); {seconds} is not.")
            : null;
        return seconds;
    }

    private static string? ReadString(string field, JsonElement value, string expected, ref GatewayError? error)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            error = AdminErrors.WrongType(field, expected);
            return null;
        }
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            error = AdminErrors.InvalidValue(field, $"'{field}' is not valid Unicode text: it holds an unpaired surrogate escape such as \\ud800.");
            return null;
        }
    }
}
