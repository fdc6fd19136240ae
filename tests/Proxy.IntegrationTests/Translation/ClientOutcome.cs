using System.Text.Json;

namespace LlmProxy.IntegrationTests.Translation;

/// <summary>
/// What a client holds after reading an answer by its own dialect's rules, in dialect-neutral terms: the text, each
/// tool call as <c>name(arguments as normalised JSON)</c>, why it ended (<c>stop</c>, <c>stop_sequence</c>,
/// <c>length</c>, <c>tool_calls</c>, <c>content_filter</c>, <c>pause</c>) and with which stop sequence, the usage
/// (input includes cache reads and writes; a figure the dialect cannot express is null), and the rules of the dialect
/// the answer broke (arguments that are not JSON, an id the dialect's provider would refuse, a broken stream grammar).
/// </summary>
public sealed record ClientOutcome(string Text, IReadOnlyList<string> ToolCalls, string Finish, string? StopSequence, Usage Usage, IReadOnlyList<string> Problems)
{
    public override string ToString() =>
        $"text '{Text}', calls [{string.Join(", ", ToolCalls)}], finish {Finish}{(StopSequence is null ? "" : $" ({StopSequence})")}, usage {Usage}" +
        (Problems.Count == 0 ? "" : $", PROBLEMS: {string.Join("; ", Problems)}");

    /// <summary><c>name(args)</c> with the arguments re-serialised, or a problem when they are not a JSON object.</summary>
    public static string Call(string name, string arguments, List<string> problems)
    {
        try
        {
            using var document = JsonDocument.Parse(arguments);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"the arguments of {name} are not a JSON object: '{arguments}'");
            }
            return $"{name}({JsonSerializer.Serialize(document.RootElement)})";
        }
        catch (JsonException)
        {
            problems.Add($"the arguments of {name} are not JSON: '{arguments}'");
            return $"{name}(<{arguments}>)";
        }
    }
}

/// <summary>Token counts; <see cref="CacheWrite"/> is null where the dialect has no field for it.</summary>
public sealed record Usage(long Input, long Output, long CacheRead, long? CacheWrite)
{
    public override string ToString() => $"in {Input} out {Output} read {CacheRead} write {CacheWrite?.ToString() ?? "-"}";
}
