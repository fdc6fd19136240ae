using System.Text.Json;
using LlmProxy.Access;
using LlmProxy.Routing;
using LlmProxy.Usage;

namespace LlmProxy.Hosting;

/// <summary>
/// <c>GET /health</c>: no key needed; says the proxy is up, its version, and each deployment's state (healthy,
/// cooling down until when, half open), requests in flight, time-to-first-byte average and last error, and the usage
/// ledger's counts (written, queued, dropped, lost), and with a <c>redis</c> section whether limits are shared through it
/// (<c>"redis":"shared"</c>) or counted here while it cannot be reached (<c>"local"</c>). Never shows secrets.
/// </summary>
internal sealed class HealthEndpoint(ModelCatalog catalog, TimeProvider time, UsageLedger? ledger = null, RedisRequestLimiter? redis = null)
{
    private readonly DateTimeOffset _started = time.GetUtcNow();

    public async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("status"u8, "ok"u8);
            json.WriteString("version"u8, ProxyVersion.Current);
            json.WriteNumber("uptimeSeconds"u8, (long)(time.GetUtcNow() - _started).TotalSeconds);
            if (ledger is not null)
            {
                // Records dropped (queue full) or lost (the store refused them) are usage nobody will be billed for.
                json.WriteStartObject("usage"u8);
                json.WriteNumber("written"u8, ledger.Written);
                json.WriteNumber("queued"u8, ledger.Queued);
                json.WriteNumber("dropped"u8, ledger.Dropped);
                json.WriteNumber("lost"u8, ledger.Lost);
                json.WriteEndObject();
            }
            if (redis is not null)
            {
                json.WriteString("redis"u8, redis.Degraded ? "local"u8 : "shared"u8);
            }
            json.WriteStartArray("models"u8);
            foreach (var route in catalog.Routes)
            {
                json.WriteStartObject();
                json.WriteString("model"u8, route.Alias);
                json.WriteString("strategy"u8, route.Config.Strategy);
                json.WriteStartArray("deployments"u8);
                foreach (var deployment in route.Deployments)
                {
                    json.WriteStartObject();
                    json.WriteString("deployment"u8, deployment.Name);
                    json.WriteString("provider"u8, deployment.Provider.Config.Type);
                    var health = deployment.Health;
                    var (state, until) = health.Snapshot();
                    json.WriteString("state"u8, state switch
                    {
                        HealthState.CoolingDown => "cooling_down"u8,
                        HealthState.HalfOpen => "half_open"u8,
                        _ => "healthy"u8,
                    });
                    if (until is { } coolingUntil)
                    {
                        json.WriteString("coolingDownUntil"u8, coolingUntil);
                    }
                    json.WriteNumber("inFlight"u8, health.InFlight);
                    json.WriteNumber("latencyMs"u8, Math.Round(health.LatencyMs, 1));
                    if (health.LastError is { } lastError)
                    {
                        json.WriteString("lastError"u8, lastError);
                    }
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
