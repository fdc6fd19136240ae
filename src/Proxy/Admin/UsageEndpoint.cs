using LlmProxy.Usage;
using LlmProxy.Canonical;
using LlmProxy.Inbound;
using LlmProxy.Storage;

namespace LlmProxy.Admin;

/// <summary>
/// <c>GET /admin/usage?from=&amp;to=&amp;group_by=&amp;format=</c>: the usage ledger summed per key, team, model,
/// provider or UTC day over [<c>from</c>, <c>to</c>) (RFC 3339; default the 30 days up to now; default grouping
/// <c>key</c>), as JSON (<c>{"object":"list","data":[...]}</c>, default) or CSV (<see cref="UsageCsv"/>). A bad
/// parameter is a 400 naming it.
/// </summary>
internal sealed class UsageEndpoint(IUsageStore usage, TimeProvider time, ErrorResponder errors)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(30);

    private static readonly string[] Groupings = ["key", "team", "model", "provider", "day"];
    private static readonly UsageGrouping[] GroupingValues = [UsageGrouping.Key, UsageGrouping.Team, UsageGrouping.Model, UsageGrouping.Provider, UsageGrouping.Day];
    private static readonly string[] Formats = ["json", "csv"];
    private static readonly string[] Parameters = ["from", "to", "group_by", "format"];

    public async Task GetAsync(HttpContext context)
    {
        var request = context.Request;
        var now = time.GetUtcNow();
        var error = AdminRequest.OnlyKnown(request, Parameters);
        var to = now;
        error ??= Instant(request, "to", now, out to);
        // A 'to' in the first 30 days of year 1 has no 30 days before it that .NET can hold.
        var from = to.UtcTicks > DefaultWindow.Ticks ? to - DefaultWindow : DateTimeOffset.MinValue;
        var groupBy = 0;
        var format = 0;
        error ??= Instant(request, "from", from, out from);
        error ??= Choice(request, "group_by", Groupings, out groupBy);
        error ??= Choice(request, "format", Formats, out format);
        if (error is null && from >= to)
        {
            error = AdminErrors.InvalidValue("from", $"'from' ({Rfc3339.FromUnixMilliseconds(from.ToUnixTimeMilliseconds())}) must be before 'to' " +
                $"({Rfc3339.FromUnixMilliseconds(to.ToUnixTimeMilliseconds())}).");
        }
        if (error is not null)
        {
            await errors.WriteAsync(context, error);
            return;
        }
        var grouping = GroupingValues[groupBy];
        var totals = await usage.SummarizeAsync(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), grouping, context.RequestAborted);
        // Key and team ids mean little to a reader: their names come with them; other groups are names already.
        var named = grouping is UsageGrouping.Key or UsageGrouping.Team;
        if (format == 1)
        {
            await UsageCsv.WriteAsync(context.Response, totals, named, context.RequestAborted);
            return;
        }
        await JsonAnswer.WriteAsync(context.Response, (totals, named), static (json, state) =>
        {
            json.WriteStartObject();
            json.WriteString("object"u8, "list"u8);
            json.WriteStartArray("data"u8);
            foreach (var total in state.totals)
            {
                json.WriteStartObject();
                AccessJson.WriteNullable(json, "group"u8, total.Group);
                if (state.named)
                {
                    AccessJson.WriteNullable(json, "name"u8, total.Name);
                }
                json.WriteNumber("requests"u8, total.Requests);
                UsageJson.WriteTokens(json, total.InputTokens, total.CachedInputTokens, total.CacheWriteTokens, total.OutputTokens, total.ReasoningTokens);
                UsageJson.WriteUsd(json, "cost_usd"u8, total.CostPicoUsd);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }, context.RequestAborted);
    }

    private static GatewayError? Instant(HttpRequest request, string name, DateTimeOffset fallback, out DateTimeOffset value)
    {
        value = fallback;
        if (AdminRequest.Single(request, name, out var text) is { } error)
        {
            return error;
        }
        if (text is null)
        {
            return null;
        }
        if (Rfc3339.TryParse(text, out var parsed))
        {
            value = parsed;
            return null;
        }
        return AdminErrors.InvalidValue(name, $"'{name}' must be an RFC 3339 date-time with an offset, such as 2026-05-01T00:00:00Z, not '{ErrorText.Quote(text)}'.");
    }

    private static GatewayError? Choice(HttpRequest request, string name, string[] choices, out int index)
    {
        index = 0;
        if (AdminRequest.Single(request, name, out var text) is { } error)
        {
            return error;
        }
        if (text is null)
        {
            return null;
        }
        index = Array.IndexOf(choices, text);
        return index >= 0 ? null : AdminErrors.InvalidValue(name, $"'{name}' must be one of {string.Join(", ", choices)}, not '{ErrorText.Quote(text)}'.");
    }
}
