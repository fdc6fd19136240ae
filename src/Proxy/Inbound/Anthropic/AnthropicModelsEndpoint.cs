using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Routing;
using LlmProxy.Wire.Anthropic;

namespace LlmProxy.Inbound.Anthropic;

/// <summary>
/// <c>GET /v1/models</c> and <c>GET /v1/models/{id}</c> in Anthropic's shape (https://docs.anthropic.com/en/api/models-list),
/// for Anthropic clients (they send <c>anthropic-version</c>): <c>{"data":[{"type":"model","id","display_name",
/// "created_at"}],"has_more","first_id","last_id"}</c>, paged by <c>before_id</c> / <c>after_id</c> and <c>limit</c>
/// (1-1000, default 20), over the aliases the caller's key may use, in the config's order.
/// </summary>
internal sealed class AnthropicModelsEndpoint(ModelCatalog catalog, TimeProvider time)
{
    private const int DefaultLimit = 20;
    private const int MaxLimit = 1000;
    private readonly string _createdAt = time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public async Task ListAsync(HttpContext context)
    {
        var key = context.Features.GetRequiredFeature<ClientKey>();
        var query = context.Request.Query;
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            await AnthropicErrorWriter.WriteAsync(context.Response, GatewayError.BadRequest($"limit: Input should be a whole number from 1 to {MaxLimit}.", "limit"));
            return;
        }
        var visible = VisibleModels.For(catalog, key);
        if (query.ContainsKey("before_id") && query.ContainsKey("after_id"))
        {
            await AnthropicErrorWriter.WriteAsync(context.Response, GatewayError.BadRequest("before_id and after_id cannot both be given.", "before_id"));
            return;
        }
        // after_id pages forward from that id, before_id backward to it; an id not in the list starts from that end.
        int start, end;
        if (query.TryGetValue("before_id", out var beforeId))
        {
            var at = visible.IndexOf(beforeId.ToString());
            end = at < 0 ? visible.Count : at;
            start = Math.Max(0, end - limit);
        }
        else
        {
            start = query.TryGetValue("after_id", out var afterId) ? visible.IndexOf(afterId.ToString()) + 1 : 0;
            end = Math.Min(visible.Count, start + limit);
        }
        var hasMore = query.ContainsKey("before_id") ? start > 0 : end < visible.Count;

        var response = context.Response;
        response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteStartArray("data"u8);
            for (var i = start; i < end; i++)
            {
                WriteModel(json, visible[i]);
            }
            json.WriteEndArray();
            json.WriteBoolean("has_more"u8, hasMore);
            WriteIdOrNull(json, "first_id"u8, end > start ? visible[start] : null);
            WriteIdOrNull(json, "last_id"u8, end > start ? visible[end - 1] : null);
            json.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public async Task GetAsync(HttpContext context)
    {
        var key = context.Features.GetRequiredFeature<ClientKey>();
        var id = context.Request.RouteValues["id"] as string ?? "";
        var route = catalog.Find(id);
        if (route is null || !key.MayUse(route.Alias))
        {
            await AnthropicErrorWriter.WriteAsync(context.Response, new GatewayError(404, ErrorKind.NotFound,
                $"model: {ErrorText.Quote(id)}", "model_not_found", "model"));
            return;
        }
        context.Response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            WriteModel(json, route.Alias);
        }
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private void WriteModel(Utf8JsonWriter json, string alias)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "model"u8);
        json.WriteString("id"u8, alias);
        json.WriteString("display_name"u8, alias);
        json.WriteString("created_at"u8, _createdAt);
        json.WriteEndObject();
    }

    private static void WriteIdOrNull(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? id)
    {
        if (id is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, id);
        }
    }
}
