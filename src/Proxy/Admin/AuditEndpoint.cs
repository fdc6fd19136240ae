using System.Globalization;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Inbound;
using LlmProxy.Storage;

namespace LlmProxy.Admin;

/// <summary>
/// <c>GET /admin/audit</c>: the admin changes, newest first, in the list shape; <c>after</c> is an entry id (the
/// page goes on with older entries). An entry: <c>{"object":"audit_entry","id","time","actor","action","target",
/// "details"}</c>, <c>id</c> the store's increasing number as a string (ids are opaque to clients, as OpenAI's are),
/// <c>time</c> RFC 3339 UTC to the millisecond, <c>details</c> the JSON object of what was applied.
/// </summary>
internal sealed class AuditEndpoint(IAccessStore store, ErrorResponder errors)
{
    public async Task ListAsync(HttpContext context)
    {
        if (AdminRequest.TryPage(context.Request, out var limit, out var after) is { } error)
        {
            await errors.WriteAsync(context, error);
            return;
        }
        long? before = null;
        if (after is not null)
        {
            if (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
            {
                await errors.WriteAsync(context, AdminErrors.InvalidValue("after", $"'after' must be an audit entry id (a whole number), not '{ErrorText.Quote(after)}'."));
                return;
            }
            before = id;
        }
        var entries = await store.ListAuditAsync(before, limit + 1, context.RequestAborted);
        await ListJson.WriteAsync(context, entries, limit, static entry => Id(entry), WriteEntry);
    }

    private static string Id(AuditEntry entry) => entry.Id.ToString(CultureInfo.InvariantCulture);

    private static void WriteEntry(Utf8JsonWriter json, AuditEntry entry)
    {
        json.WriteStartObject();
        json.WriteString("object"u8, "audit_entry"u8);
        json.WriteString("id"u8, Id(entry));
        json.WriteString("time"u8, Rfc3339.FromUnixMilliseconds(entry.Time));
        json.WriteString("actor"u8, entry.Actor);
        json.WriteString("action"u8, entry.Action);
        json.WriteString("target"u8, entry.Target);
        json.WritePropertyName("details"u8);
        // Written by AuditDetails as a JSON object; served as stored.
        json.WriteRawValue(entry.DetailsJson, skipInputValidation: true);
        json.WriteEndObject();
    }
}
