namespace LlmProxy.Config;

/// <summary>Reads <c>keys</c>: the client keys the proxy accepts, each with the aliases it may use.</summary>
internal static class KeySectionReader
{
    public static List<KeyConfig> Read(ConfigNode root, IReadOnlyList<ModelConfig> models)
    {
        var keys = new List<KeyConfig>();
        if (root.OptionalArray("keys", "keys") is not { } list)
        {
            return keys;
        }
        foreach (var item in list.EnumerateArray())
        {
            var node = root.Wrap(item, $"keys[{keys.Count}]");
            node.AllowOnly("key", "name", "models", "rpm", "tpm", "maxParallel", "budgetUsd", "budgetPeriod");
            var key = node.RequiredString("key");
            if (key.Length == 0)
            {
                throw new ConfigException(node.Child("key"), "must not be empty");
            }
            var duplicate = keys.FindIndex(k => k.Key == key);
            if (duplicate >= 0)
            {
                throw new ConfigException(node.Child("key"), $"is the same key as keys[{duplicate}]");
            }
            var allowed = node.OptionalStringList("models") ?? ["*"];
            for (var i = 0; i < allowed.Count; i++)
            {
                if (allowed[i] != "*" && !models.Any(m => m.Serves(allowed[i])))
                {
                    throw new ConfigException($"{node.Child("models")}[{i}]", $"'{allowed[i]}' is not a configured model");
                }
            }
            var name = node.OptionalString("name") ?? $"key-{keys.Count}";
            var sameName = keys.FindIndex(k => k.Name == name);
            if (sameName >= 0)
            {
                // The name is the key's id in the ledger and the admin API.
                throw new ConfigException(node.Child("name"), $"'{name}' is already the name of keys[{sameName}]");
            }
            var period = node.OptionalString("budgetPeriod");
            if (!BudgetCalendar.TryParse(period ?? "never", out var budgetPeriod))
            {
                throw new ConfigException(node.Child("budgetPeriod"), $"must be one of {string.Join(", ", BudgetCalendar.Names)}, not '{period}'");
            }
            keys.Add(new KeyConfig(
                key,
                name,
                allowed,
                node.OptionalInt("rpm", 1, int.MaxValue),
                node.OptionalInt("tpm", 1, int.MaxValue),
                node.OptionalInt("maxParallel", 1, int.MaxValue),
                Budget(node),
                budgetPeriod));
        }
        return keys;
    }

    // As the admin API takes it: budgets are compared in 10^-12 USD, exactly.
    private static decimal? Budget(ConfigNode node)
    {
        var budget = node.OptionalDecimal("budgetUsd", 0);
        if (budget > 1_000_000_000_000m || (budget is { } usd && decimal.Round(usd, 6) != usd))
        {
            throw new ConfigException(node.Child("budgetUsd"), "must be at most 1000000000000 USD with at most 6 decimal places");
        }
        return budget;
    }
}
