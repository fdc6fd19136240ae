using Microsoft.AspNetCore.Http.Features;
using System.Text.Json;
using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Routing;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIModels;

/// <summary>
/// <c>GET /v1/models</c> and <c>GET /v1/models/{id}</c> in OpenAI's shape, listing the aliases the caller's key may
/// use (not the providers' own model names: clients ask for aliases).
/// </summary>
internal sealed class OpenAIModelsEndpoint(ModelCatalog catalog, TimeProvider time)
{
    private readonly long _created = time.GetUtcNow().ToUnixTimeSeconds();

    public async Task ListAsync(HttpContext context)
    {
        var key = context.Features.GetRequiredFeature<ClientKey>();
        var response = context.Response;
        response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("object"u8, "list"u8);
            json.WriteStartArray("data"u8);
            foreach (var name in VisibleModels.For(catalog, key))
            {
                WriteModel(json, name);
            }
            json.WriteEndArray();
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
            await OpenAIErrorWriter.WriteAsync(context.Response, new GatewayError(404, ErrorKind.NotFound,
                $"The model '{ErrorText.Quote(id)}' does not exist on this proxy.", "model_not_found", "model"));
            return;
        }
        context.Response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            WriteModel(json, route!.Alias);
        }
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private void WriteModel(Utf8JsonWriter json, string alias)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, alias);
        json.WriteString("object"u8, "model"u8);
        json.WriteNumber("created"u8, _created);
        json.WriteString("owned_by"u8, "llm-proxy"u8);
        json.WriteEndObject();
    }
}
