using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// A page of <c>GET /v1/responses/{id}/input_items</c>: <c>limit</c> 1 to 100 (default 20), <c>order</c> <c>asc</c> or
/// <c>desc</c> (default, newest first), and a cursor, <c>after</c> or <c>before</c> an item id; written in OpenAI's list
/// shape <c>{"object":"list","data","first_id","last_id","has_more"}</c>.
/// </summary>
internal readonly record struct InputItemsPage(int Limit, bool Descending, string? After, string? Before)
{
    public static bool TryRead(IQueryCollection query, out InputItemsPage page, out GatewayError? error)
    {
        page = default;
        error = null;
        var limit = 20;
        if (query.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, out limit) || limit is < 1 or > 100))
        {
            error = GatewayError.BadRequest($"'limit' must be a whole number from 1 to 100, not '{ErrorText.Quote(limitText.ToString())}'.", "limit");
            return false;
        }
        var order = query.TryGetValue("order", out var orderText) ? orderText.ToString() : "desc";
        if (order is not ("asc" or "desc"))
        {
            error = GatewayError.BadRequest($"'order' must be asc or desc, not '{ErrorText.Quote(order)}'.", "order");
            return false;
        }
        page = new InputItemsPage(limit, order == "desc", NonEmpty(query, "after"), NonEmpty(query, "before"));
        return true;
    }

    /// <summary>Writes the page of <paramref name="items"/> (the stored array, oldest first).</summary>
    public void Write(Utf8JsonWriter json, JsonElement items)
    {
        var all = new List<JsonElement>(items.GetArrayLength());
        foreach (var item in items.EnumerateArray())
        {
            all.Add(item);
        }
        if (Descending)
        {
            all.Reverse();
        }
        // The cursor items themselves are excluded; an unknown cursor gives an empty page, as a list past its end.
        var start = After is null ? 0 : IndexOf(all, After) is var a and >= 0 ? a + 1 : all.Count;
        var end = Before is null ? all.Count : IndexOf(all, Before) is var b and >= 0 ? b : 0;
        if (Before is not null && After is null)
        {
            start = Math.Max(0, end - Limit); // the page just before the cursor
        }
        var count = Math.Max(0, Math.Min(Limit, end - start));
        json.WriteStartObject();
        json.WriteString("object"u8, "list"u8);
        json.WriteStartArray("data"u8);
        for (var i = start; i < start + count; i++)
        {
            all[i].WriteTo(json);
        }
        json.WriteEndArray();
        json.WriteString("first_id"u8, count > 0 ? Id(all[start]) : null);
        json.WriteString("last_id"u8, count > 0 ? Id(all[start + count - 1]) : null);
        json.WriteBoolean("has_more"u8, Before is not null && After is null ? start > 0 : start + count < end);
        json.WriteEndObject();
    }

    private static int IndexOf(List<JsonElement> items, string id)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (Id(items[i]) == id)
            {
                return i;
            }
        }
        return -1;
    }

    private static string? Id(JsonElement item) => item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    private static string? NonEmpty(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var value) && value.ToString() is { Length: > 0 } text ? text : null;
}
