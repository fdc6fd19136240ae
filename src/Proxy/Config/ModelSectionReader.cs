using System.Text.Json;

namespace LlmProxy.Config;

/// <summary>
/// Reads <c>models</c>: each alias maps to a list of deployments (tried in order) or to an object with a strategy.
/// </summary>
internal static class ModelSectionReader
{
    public static List<ModelConfig> Read(ConfigNode section, IReadOnlyList<ProviderConfig> providers, RoutingDefaults defaults)
    {
        var models = new List<ModelConfig>();
        foreach (var (alias, value) in section.Properties())
        {
            var path = section.Child(alias);
            if (models.Exists(m => m.Alias == alias))
            {
                throw new ConfigException(path, "is defined twice");
            }
            if (alias.EndsWith('*') && (!alias.EndsWith("/*", StringComparison.Ordinal) || alias.Length < 3 || alias.IndexOf('*') < alias.Length - 1))
            {
                throw new ConfigException(path, "a wildcard is a prefix and '/*' (such as \"bedrock/*\"), with no other '*'");
            }
            models.Add(value.ValueKind == JsonValueKind.Array
                ? new ModelConfig(alias, "ordered", ReadDeployments(section, value, path, providers, defaults, alias), null)
                : ReadModelObject(section.Wrap(value, path), alias, providers, defaults));
        }
        if (models.Count == 0)
        {
            throw new ConfigException("models", "at least one model is required");
        }
        return models;
    }

    private static ModelConfig ReadModelObject(ConfigNode node, string alias, IReadOnlyList<ProviderConfig> providers, RoutingDefaults defaults)
    {
        node.AllowOnly("strategy", "deployments", "hedgeAfterMs");
        var strategy = node.OptionalString("strategy") ?? "ordered";
        if (!ModelConfig.Strategies.Contains(strategy))
        {
            throw new ConfigException(node.Child("strategy"), $"unknown strategy '{strategy}' (expected one of: {string.Join(", ", ModelConfig.Strategies)})");
        }
        var list = node.OptionalArray("deployments", "deployments") ?? throw new ConfigException(node.Child("deployments"), "required");
        var deployments = ReadDeployments(node, list, node.Child("deployments"), providers, defaults, alias);
        return new ModelConfig(alias, strategy, deployments, node.OptionalInt("hedgeAfterMs", 1, int.MaxValue));
    }

    private static List<DeploymentConfig> ReadDeployments(ConfigNode owner, JsonElement list, string path, IReadOnlyList<ProviderConfig> providers, RoutingDefaults defaults,
        string alias)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new ConfigException(path, $"must be a list of deployments, not {ConfigNode.Describe(list)}");
        }
        var deployments = new List<DeploymentConfig>();
        foreach (var item in list.EnumerateArray())
        {
            deployments.Add(ReadDeployment(owner.Wrap(item, $"{path}[{deployments.Count}]"), providers, defaults, alias.EndsWith("/*", StringComparison.Ordinal)));
        }
        if (deployments.Count == 0)
        {
            throw new ConfigException(path, "needs at least one deployment");
        }
        return deployments;
    }

    private static DeploymentConfig ReadDeployment(ConfigNode node, IReadOnlyList<ProviderConfig> providers, RoutingDefaults defaults, bool wildcard)
    {
        node.AllowOnly("provider", "model", "weight", "retries", "connectTimeoutMs", "firstByteTimeoutMs", "idleTimeoutMs", "timeoutMs", "maxTokensDefault", "price",
            "reasoningModel", "embeddingTaskType");
        var provider = node.RequiredString("provider");
        if (!providers.Any(p => p.Name == provider))
        {
            throw new ConfigException(node.Child("provider"), $"'{provider}' is not a configured provider");
        }
        var reasoningModel = node.OptionalBool("reasoningModel");
        if (reasoningModel is not null && providers.First(p => p.Name == provider).Type is not ("openai" or "azure"))
        {
            throw new ConfigException(node.Child("reasoningModel"), "applies only to deployments of openai and azure providers");
        }
        // Gemini's embeddings take a task type (https://ai.google.dev/api/embeddings#tasktype), Cohere's on Bedrock an input type.
        var taskType = node.OptionalString("embeddingTaskType");
        var taskTypes = providers.First(p => p.Name == provider).Type switch
        {
            "gemini" => GeminiTaskTypes,
            "bedrock" => CohereInputTypes,
            _ => null,
        };
        if (taskType is not null && taskTypes is null)
        {
            throw new ConfigException(node.Child("embeddingTaskType"), "applies only to deployments of gemini and bedrock providers");
        }
        if (taskType is not null && Array.IndexOf(taskTypes!, taskType) < 0)
        {
            throw new ConfigException(node.Child("embeddingTaskType"), $"must be one of {string.Join(", ", taskTypes!)}");
        }
        return new DeploymentConfig(
            provider,
            wildcard ? AnyModel(node) : node.RequiredString("model"),
            node.OptionalInt("weight", 0, 1_000_000) ?? 1,
            node.OptionalInt("retries", 0, 10) ?? defaults.Retries,
            node.OptionalInt("connectTimeoutMs", 1, int.MaxValue) ?? defaults.ConnectTimeoutMs,
            node.OptionalInt("firstByteTimeoutMs", 1, int.MaxValue) ?? defaults.FirstByteTimeoutMs,
            node.OptionalInt("idleTimeoutMs", 1, int.MaxValue) ?? defaults.IdleTimeoutMs,
            node.OptionalInt("timeoutMs", 1, int.MaxValue) ?? defaults.TimeoutMs,
            node.OptionalInt("maxTokensDefault", 1, int.MaxValue) ?? defaults.MaxTokensDefault,
            node.OptionalObject("price") is { } price ? ReadPrice(price) : null,
            reasoningModel,
            taskType);
    }

    private static readonly string[] GeminiTaskTypes =
        ["RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING", "QUESTION_ANSWERING", "FACT_VERIFICATION",
         "CODE_RETRIEVAL_QUERY"];

    // Cohere Embed's input_type on Bedrock (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html).
    private static readonly string[] CohereInputTypes = ["search_document", "search_query", "classification", "clustering"];

    // A wildcard's model is the rest of the name a request asks for.
    private static string AnyModel(ConfigNode node) => node.OptionalString("model") is null
        ? ModelConfig.AnyModel
        : throw new ConfigException(node.Child("model"), "a wildcard's deployments name no model: the rest of the name a client asks for is the model");

    private static PriceConfig ReadPrice(ConfigNode price)
    {
        price.AllowOnly("inputPerMTok", "outputPerMTok", "cacheReadPerMTok", "cacheWritePerMTok");
        var input = PerMTok(price, "inputPerMTok") ?? 0;
        // Cached tokens the price does not name cost what input costs: no discount is assumed that the provider may not give.
        return new PriceConfig(input, PerMTok(price, "outputPerMTok") ?? 0, PerMTok(price, "cacheReadPerMTok") ?? input,
            PerMTok(price, "cacheWritePerMTok") ?? input);
    }

    // Six decimal places at most: a token then costs a whole number of 10^-12 USD, so costs are summed exactly.
    private static decimal? PerMTok(ConfigNode price, string name)
    {
        var value = price.OptionalDecimal(name, 0);
        if (value is { } usd && decimal.Round(usd, 6) != usd)
        {
            throw new ConfigException(price.Child(name), "has more than 6 decimal places (USD per million tokens); costs are kept exact to 10^-12 USD");
        }
        if (value > 1_000_000)
        {
            throw new ConfigException(price.Child(name), "must be at most 1000000 (USD per million tokens)");
        }
        return value;
    }
}
