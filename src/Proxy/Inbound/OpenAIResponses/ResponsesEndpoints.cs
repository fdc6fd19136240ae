using System.Text.Json;
using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;
using Microsoft.AspNetCore.Http.Features;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The stored-response routes of the Responses API (https://platform.openai.com/docs/api-reference/responses):
/// <c>GET /v1/responses/{id}</c>, <c>DELETE /v1/responses/{id}</c>, <c>GET /v1/responses/{id}/input_items</c> and
/// <c>POST /v1/responses/{id}/cancel</c>. Every one is scoped to the calling key: another key's response is answered
/// exactly as an unknown one, 404.
/// </summary>
internal sealed class ResponsesEndpoints(ResponsesStore store)
{
    public async Task GetAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        if (context.Request.Query["stream"] == "true")
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, GatewayError.BadRequest(
                "Streaming a stored response is only possible for background responses, which this proxy does not run yet.", "stream"));
            return;
        }
        if (await store.Inner.FindAsync(id, Owner(context), context.RequestAborted) is not { } stored)
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, ResponsesStore.NotFound(id, null, null));
            return;
        }
        await WriteJsonAsync(context, stored.Response);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        if (!await store.Inner.DeleteAsync(id, Owner(context), context.RequestAborted))
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, ResponsesStore.NotFound(id, null, null));
            return;
        }
        await JsonAnswer.WriteAsync(context.Response, id, static (json, id) =>
        {
            json.WriteStartObject();
            json.WriteString("id"u8, id);
            json.WriteString("object"u8, "response"u8);
            json.WriteBoolean("deleted"u8, true);
            json.WriteEndObject();
        }, context.RequestAborted);
    }

    // Only background responses can be cancelled; the proxy answers every other one as OpenAI does.
    public async Task CancelAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var error = await store.Inner.FindAsync(id, Owner(context), context.RequestAborted) is null
            ? ResponsesStore.NotFound(id, null, null)
            : GatewayError.BadRequest("Only responses created with background set to true can be cancelled.", null, "invalid_request");
        await OpenAIErrorWriter.WriteAsync(context.Response, error);
    }

    public async Task InputItemsAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        if (!InputItemsPage.TryRead(context.Request.Query, out var page, out var error))
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, error!);
            return;
        }
        if (await store.Inner.FindAsync(id, Owner(context), context.RequestAborted) is not { } stored)
        {
            await OpenAIErrorWriter.WriteAsync(context.Response, ResponsesStore.NotFound(id, null, null));
            return;
        }
        using var items = JsonDocument.Parse(stored.InputItems);
        await JsonAnswer.WriteAsync(context.Response, (page, items.RootElement), static (json, state) => state.page.Write(json, state.Item2),
            context.RequestAborted);
    }

    private static string Owner(HttpContext context) => context.Features.GetRequiredFeature<ClientKey>().Name;

    private static async Task WriteJsonAsync(HttpContext context, byte[] json)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.BodyWriter.WriteAsync(json, context.RequestAborted);
    }
}
