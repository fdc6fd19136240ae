using Microsoft.AspNetCore.Http.Features;
using System.Text.Json;
using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Storage;

namespace LlmProxy.Usage;

/// <summary>
/// <c>GET /v1/usage</c>: the calling key's own spend in its current budget period and what remains of its budget,
/// nothing about any other key or its team:
/// <c>{"object":"key.usage","key_id","key_name","budget_period","period_start","resets_at","spent_usd","reserved_usd","budget_usd","remaining_usd"}</c>
/// (times RFC 3339 UTC, amounts in USD, exact; <c>resets_at</c>, <c>budget_usd</c> and <c>remaining_usd</c> null when
/// there is none). With a budget the figures are the limiter's, which counts requests in flight as <c>reserved_usd</c>;
/// without one, the ledger's since the first record (its writes lag requests by a batch).
/// </summary>
internal sealed class KeyUsageEndpoint(IRequestLimiter limiter, IUsageStore ledger, TimeProvider time)
{
    public async Task GetAsync(HttpContext context)
    {
        var key = context.Features.GetRequiredFeature<ClientKey>();
        var now = time.GetUtcNow();
        var limits = key.Limits;
        Int128 spent, reserved = 0;
        DateTimeOffset start;
        if (limits.BudgetUsd is not null)
        {
            (spent, reserved, start) = await limiter.SpentAsync(key.Id, limits.BudgetPeriod, context.RequestAborted);
        }
        else
        {
            start = BudgetCalendar.Start(limits.BudgetPeriod, now);
            spent = await ledger.SpentAsync(key.Id, UsageGrouping.Key, start.ToUnixTimeMilliseconds(), context.RequestAborted);
        }
        var response = context.Response;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("object"u8, "key.usage"u8);
            json.WriteString("key_id"u8, key.Id);
            json.WriteString("key_name"u8, key.Name);
            json.WriteString("budget_period"u8, BudgetCalendar.Name(limits.BudgetPeriod));
            json.WriteString("period_start"u8, Rfc3339(start));
            if (BudgetCalendar.Reset(limits.BudgetPeriod, now) is { } reset)
            {
                json.WriteString("resets_at"u8, Rfc3339(reset));
            }
            else
            {
                json.WriteNull("resets_at"u8);
            }
            UsageJson.WriteUsd(json, "spent_usd"u8, spent);
            UsageJson.WriteUsd(json, "reserved_usd"u8, reserved);
            if (limits.BudgetUsd is { } budget)
            {
                json.WriteNumber("budget_usd"u8, budget);
                var remaining = PicoUsd.FromUsd(budget) - spent - reserved;
                UsageJson.WriteUsd(json, "remaining_usd"u8, remaining > 0 ? remaining : 0);
            }
            else
            {
                json.WriteNull("budget_usd"u8);
                json.WriteNull("remaining_usd"u8);
            }
            json.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static string Rfc3339(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
}
