using System.Globalization;
using System.Text.Json;

namespace LlmProxy.Config;

/// <summary>
/// A JSON object of the config file with its path, so that every read names the field it failed on.
/// Unknown fields are errors: a typo such as <c>baseURL</c> must not silently fall back to a default.
/// </summary>
internal readonly struct ConfigNode
{
    private readonly JsonElement _element;
    private readonly EnvironmentExpander _expander;

    public ConfigNode(JsonElement element, string path, EnvironmentExpander expander)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigException(path, $"must be an object, not {Describe(element)}");
        }
        _element = element;
        Path = path;
        _expander = expander;
    }

    public string Path { get; }

    public string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    public void AllowOnly(params ReadOnlySpan<string> known)
    {
        foreach (var property in _element.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                throw new ConfigException(Child(property.Name), $"unknown field (known fields: {string.Join(", ", known.ToArray())})");
            }
        }
    }

    public bool Has(string name) => _element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public ConfigNode? OptionalObject(string name) =>
        _element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? new ConfigNode(value, Child(name), _expander)
            : null;

    public JsonElement? OptionalArray(string name, string itemsName)
    {
        if (!_element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ConfigException(Child(name), $"must be a list of {itemsName}, not {Describe(value)}");
        }
        return value;
    }

    public IEnumerable<(string Name, JsonElement Value)> Properties()
    {
        foreach (var property in _element.EnumerateObject())
        {
            yield return (property.Name, property.Value);
        }
    }

    public ConfigNode Wrap(JsonElement element, string path) => new(element, path, _expander);

    public string RequiredString(string name) =>
        OptionalString(name) ?? throw new ConfigException(Child(name), "required");

    public string? OptionalString(string name)
    {
        if (!_element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return ExpandString(value, Child(name));
    }

    /// <summary>Expands <c>${VAR}</c> references in a value the proxy supplies itself (a default), as in the file's own strings.</summary>
    public string Expand(string value, string field) => _expander.Expand(value, field);

    public string ExpandString(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new ConfigException(path, $"must be a string, not {Describe(value)}");
        }
        return _expander.Expand(value.GetString()!, path);
    }

    public bool? OptionalBool(string name)
    {
        if (!_element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw new ConfigException(Child(name), $"must be true or false, not {Describe(value)}");
    }

    public long? OptionalLong(string name, long min, long max)
    {
        var number = OptionalNumber(name);
        if (number is null)
        {
            return null;
        }
        if (number != decimal.Truncate(number.Value) || number < min || number > max)
        {
            throw new ConfigException(Child(name), $"must be a whole number from {min} to {max}");
        }
        return (long)number.Value;
    }

    public int? OptionalInt(string name, int min, int max)
    {
        var number = OptionalNumber(name);
        if (number is null)
        {
            return null;
        }
        if (number != decimal.Truncate(number.Value) || number < min || number > max)
        {
            throw new ConfigException(Child(name), $"must be a whole number from {min} to {max}");
        }
        return (int)number.Value;
    }

    public decimal? OptionalDecimal(string name, decimal min)
    {
        var number = OptionalNumber(name);
        if (number < min)
        {
            throw new ConfigException(Child(name), $"must be at least {min.ToString(CultureInfo.InvariantCulture)}");
        }
        return number;
    }

    public Uri? OptionalHttpUrl(string name)
    {
        var text = OptionalString(name);
        if (text is null)
        {
            return null;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ConfigException(Child(name), $"'{text}' is not an absolute http(s) URL");
        }
        return uri;
    }

    public IReadOnlyList<string>? OptionalStringList(string name)
    {
        if (!_element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ConfigException(Child(name), $"must be an array of strings, not {Describe(value)}");
        }
        var items = new List<string>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            items.Add(ExpandString(item, $"{Child(name)}[{index++}]"));
        }
        return items;
    }

    private decimal? OptionalNumber(string name)
    {
        if (!_element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number))
        {
            return number;
        }
        // "${PORT}"-style values arrive as strings; accept them when they expand to a number.
        if (value.ValueKind == JsonValueKind.String &&
            decimal.TryParse(ExpandString(value, Child(name)), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            return number;
        }
        throw new ConfigException(Child(name), value.ValueKind == JsonValueKind.Number
            ? $"{(value.GetRawText() is { Length: > 40 } digits ? digits[..40] + "…" : value.GetRawText())} is out of range"
            : $"must be a number, not {Describe(value)}");
    }

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
