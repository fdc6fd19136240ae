using System.Text;

namespace LlmProxy.Config;

/// <summary>
/// Expands <c>${NAME}</c> and <c>${NAME:-fallback}</c> inside config strings; <c>$${</c> stands for a literal <c>${</c>.
/// An unset variable without a fallback is a config error, so a missing secret never becomes an empty header.
/// </summary>
internal sealed class EnvironmentExpander(Func<string, string?> lookup, List<(string Value, string Reference)>? expanded = null)
{
    public static EnvironmentExpander Process { get; } = new(Environment.GetEnvironmentVariable);

    /// <summary>This expander, also noting each variable's value and its <c>${NAME}</c> into <paramref name="into"/>.</summary>
    public EnvironmentExpander Noting(List<(string Value, string Reference)> into) => new(lookup, into);

    public string Expand(string value, string field)
    {
        if (!value.Contains('$'))
        {
            return value;
        }
        var result = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            if (value[i] == '$' && i + 2 < value.Length && value[i + 1] == '$' && value[i + 2] == '{')
            {
                result.Append("${");
                i += 3;
                continue;
            }
            if (value[i] != '$' || i + 1 >= value.Length || value[i + 1] != '{')
            {
                result.Append(value[i++]);
                continue;
            }
            var close = value.IndexOf('}', i + 2);
            if (close < 0)
            {
                throw new ConfigException(field, "'${' has no closing '}'");
            }
            result.Append(Resolve(value[(i + 2)..close], field));
            i = close + 1;
        }
        return result.ToString();
    }

    private string Resolve(string reference, string field)
    {
        var fallbackAt = reference.IndexOf(":-", StringComparison.Ordinal);
        var name = fallbackAt < 0 ? reference : reference[..fallbackAt];
        if (name.Length == 0 || !IsValidName(name))
        {
            throw new ConfigException(field, $"'${{{reference}}}' is not a valid environment variable reference");
        }
        var value = lookup(name);
        if (value is not null)
        {
            expanded?.Add((value, $"${{{name}}}"));
            return value;
        }
        if (fallbackAt >= 0)
        {
            return reference[(fallbackAt + 2)..];
        }
        throw new ConfigException(field, $"environment variable {name} is not set");
    }

    private static bool IsValidName(string name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }
        return !char.IsAsciiDigit(name[0]);
    }
}
