using System.Text.Json;
using LlmProxy.Inbound;

namespace LlmProxy.Admin;

/// <summary>
/// OpenAI's list shape, <c>{"object":"list","data":[...],"first_id","last_id","has_more"}</c> (ids null for an empty
/// page): a page of at most <c>limit</c> items after the <c>after</c> cursor, <c>has_more</c> when more follow.
/// </summary>
internal static class ListJson
{
    public static Task WriteAsync<T>(HttpContext context, IReadOnlyList<T> items, int limit, Func<T, string> id, Action<Utf8JsonWriter, T> write)
    {
        var count = Math.Min(items.Count, limit);
        return JsonAnswer.WriteAsync(context.Response, (items, count, id, write, hasMore: items.Count > limit), static (json, page) =>
        {
            json.WriteStartObject();
            json.WriteString("object"u8, "list"u8);
            json.WriteStartArray("data"u8);
            for (var i = 0; i < page.count; i++)
            {
                page.write(json, page.items[i]);
            }
            json.WriteEndArray();
            AccessJson.WriteNullable(json, "first_id"u8, page.count > 0 ? page.id(page.items[0]) : null);
            AccessJson.WriteNullable(json, "last_id"u8, page.count > 0 ? page.id(page.items[page.count - 1]) : null);
            json.WriteBoolean("has_more"u8, page.hasMore);
            json.WriteEndObject();
        }, context.RequestAborted);
    }
}
