using System.Text;

namespace LlmProxy.Hosting;

/// <summary>
/// <c>GET /openapi.json</c>: an OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0) of every route this binary
/// serves, embedded from <c>Hosting/openapi.json</c> with this binary's version filled in. A test compares its paths and
/// methods with the route table (<see cref="ProxyEndpoints.Routes"/>), so neither can change without the other. Bodies
/// are described as the providers' own: their API references are the schema.
/// </summary>
internal static class OpenApiEndpoint
{
    private static readonly byte[] Document = Load();

    public static Task GetAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        response.ContentLength = Document.Length;
        return response.Body.WriteAsync(Document).AsTask();
    }

    private static byte[] Load()
    {
        using var stream = typeof(OpenApiEndpoint).Assembly.GetManifestResourceStream("openapi.json")
            ?? throw new InvalidOperationException("the build did not embed openapi.json");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Encoding.UTF8.GetBytes(reader.ReadToEnd().Replace("\"version\": \"VERSION\"", $"\"version\": \"{ProxyVersion.Current}\"", StringComparison.Ordinal));
    }
}
