using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmProxy.Inbound.OpenAIResponses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace LlmProxy.Tests.Inbound.OpenAIResponses;

/// <summary>The input_items list: its query parameters and the pages it cuts from the stored items.</summary>
public sealed class InputItemsPageTests
{
    private static readonly JsonElement Items = JsonDocument.Parse("""[{"id":"a"},{"id":"b"},{"id":"c"},{"id":"d"},{"id":"e"}]""").RootElement;

    private static JsonElement Page(string query)
    {
        var parsed = new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query));
        Assert.True(InputItemsPage.TryRead(parsed, out var page, out var error), error?.Message);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            page.Write(json, Items);
        }
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement;
    }

    private static string Ids(JsonElement page) => string.Concat(page.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("id").GetString()));

    [Theory]
    [InlineData("", "edcba", false)]
    [InlineData("?order=asc&limit=2", "ab", true)]
    [InlineData("?order=asc&limit=2&after=b", "cd", true)]
    [InlineData("?order=asc&limit=2&after=d", "e", false)]
    [InlineData("?limit=2&after=d", "cb", true)]
    [InlineData("?order=asc&limit=2&before=d", "bc", true)]
    [InlineData("?order=asc&after=zz", "", false)]
    public void Write_Query_CutsThePageInOrder(string query, string ids, bool hasMore)
    {
        var page = Page(query);

        Assert.Equal(ids, Ids(page));
        Assert.Equal(hasMore, page.GetProperty("has_more").GetBoolean());
        Assert.Equal("list", page.GetProperty("object").GetString());
        Assert.Equal(ids.Length == 0 ? null : ids[..1], page.GetProperty("first_id").GetString());
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=101", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?order=sideways", "order")]
    public void TryRead_BadParameter_400NamesIt(string query, string param)
    {
        var parsed = new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query));

        Assert.False(InputItemsPage.TryRead(parsed, out _, out var error));
        Assert.Equal((400, param), (error!.Status, error.Param));
    }
}
