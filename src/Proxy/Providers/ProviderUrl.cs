namespace LlmProxy.Providers;

internal static class ProviderUrl
{
    /// <summary>Appends a path to a base URL whatever its trailing slash, keeping the base's own path (e.g. <c>/v1</c>).</summary>
    public static string Join(Uri baseUrl, string path) =>
        baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + path;
}
