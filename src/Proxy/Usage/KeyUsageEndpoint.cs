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
    private const decimal PicoPerUsd = 1_000_000_000_000m;

    public async Task GetAsync(HttpContext context)
    {
        var key = context.Features.GetRequiredFeature<ClientKey>();
        var now = time.GetUtcNow();
        var limits = key.Limits;
        Int128 spent, reserved = 0;
        DateTimeOffset start;
        if (limits.BudgetUsd is not null)
        {
            (spent, reserved, start) = limiter.Spent(key.Id, limits.BudgetPeriod);
        }
        else
        {
            start = BudgetCalendar.Start(limits.BudgetPeriod, now);
            spent = (await ledger.SpentSinceAsync(start.ToUnixTimeMilliseconds(), UsageGrouping.Key, context.RequestAborted)).GetValueOrDefault(key.Id);
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
            json.WriteNumber("spent_usd"u8, Usd(spent));
            json.WriteNumber("reserved_usd"u8, Usd(reserved));
            if (limits.BudgetUsd is { } budget)
            {
                json.WriteNumber("budget_usd"u8, budget);
                json.WriteNumber("remaining_usd"u8, Math.Max(0, budget - Usd(spent) - Usd(reserved)));
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

    // Exact: 10^-12 USD in a decimal's 28 digits; trailing zeros dropped so 1.5 reads 1.5, not 1.500000000000.
    private static decimal Usd(Int128 picoUsd) => ((decimal)picoUsd / PicoPerUsd) / 1.000000000000000000000000000000000m;

    private static string Rfc3339(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
}
