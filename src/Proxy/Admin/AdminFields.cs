using LlmProxy.Canonical;
using LlmProxy.Inbound;
using LlmProxy.Routing;

namespace LlmProxy.Admin;

/// <summary>An admin body read (<see cref="AdminBody"/>) and its fields checked (<see cref="AccessFieldsReader"/>), against the clock now.</summary>
internal static class AdminFields
{
    public static async Task<(AccessFields? Fields, GatewayError? Error)> ReadAsync(HttpContext context, BodyBudget budget, string[] allowed,
        ModelCatalog catalog, TimeProvider time)
    {
        var (document, error) = await AdminBody.ReadAsync(context, budget);
        if (document is null)
        {
            return (null, error);
        }
        using (document)
        {
            return AccessFieldsReader.Read(document.RootElement, allowed, catalog, time.GetUtcNow(), out var fields) is { } refused
                ? (null, refused)
                : (fields, null);
        }
    }
}
