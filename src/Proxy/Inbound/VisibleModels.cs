using LlmProxy.Access;
using LlmProxy.Routing;

namespace LlmProxy.Inbound;

/// <summary>
/// The model names <c>GET /v1/models</c> shows a key, in both dialects' lists: every alias and wildcard (<c>bedrock/*</c>)
/// it may use, in config order, then the names under a wildcard that its allow-list names one by one (a key allowed
/// only <c>bedrock/amazon.nova-pro-v1:0</c> sees that name, not an empty list).
/// </summary>
internal static class VisibleModels
{
    public static List<string> For(ModelCatalog catalog, ClientKey key)
    {
        var visible = new List<string>();
        foreach (var route in catalog.Routes)
        {
            if (key.MayUse(route.Alias))
            {
                visible.Add(route.Alias);
            }
        }
        foreach (var name in key.Models.Models)
        {
            if (!visible.Contains(name) && catalog.LabelOf(name, out var wildcard) is not null && wildcard && key.MayUse(name))
            {
                visible.Add(name);
            }
        }
        return visible;
    }
}
