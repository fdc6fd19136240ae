using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmProxy.Hosting;
using LlmProxy.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>GET /openapi.json: it documents exactly the routes the binary serves, each of which answers.</summary>
public sealed class OpenApiTests : IAsyncLifetime
{
    private const string MasterKey = "sk-admin-openapi-test";
    private static readonly string[] Operations = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private ProxyHost _proxy = null!;
    private JsonElement _document;

    public async Task InitializeAsync()
    {
        _proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith($$""" "admin": { "masterKey": "{{MasterKey}}" }, """, "mocked", """{ "type": "mock" }"""));
        using var response = await _proxy.Client.GetAsync("/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        _document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public Task DisposeAsync() => _proxy.DisposeAsync().AsTask();

    [Fact]
    public void Document_PathsAndMethods_AreExactlyTheRouteTables()
    {
        var routes = ProxyEndpoints.Routes
            .SelectMany(route => route.Methods.Where(method => method != "HEAD") // HEAD is every GET's
                .Select(method => $"{method} {(route.Prefix ? route.Path + "{id}" + route.Suffix : route.Path)}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(routes, Documented().Select(operation => $"{operation.Method} {operation.Path}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RouteTable_EveryEndpointTheAppMaps_IsInItWithItsMethods()
    {
        var mapped = _proxy.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>() is not null || endpoint.RoutePattern.RawText == "/metrics")
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "HEAD"])
                .Select(method => $"{method} {endpoint.RoutePattern.RawText!.Replace("{**id}", "{id}")}"))
            .Distinct()
            .Order(StringComparer.Ordinal);
        var table = ProxyEndpoints.Routes
            .SelectMany(route => route.Methods.Select(method => $"{method} {(route.Prefix ? route.Path + "{id}" + route.Suffix : route.Path)}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(table, mapped);
    }

    [Fact]
    public void Document_Header_IsOpenApi31WithThisBinarysVersion()
    {
        Assert.Equal("3.1.0", _document.GetProperty("openapi").GetString());
        Assert.Equal(ProxyVersion.Current, _document.GetProperty("info").GetProperty("version").GetString());
    }

    [Fact]
    public void Document_EveryReference_Resolves()
    {
        var references = new List<string>();
        Collect(_document, references);

        Assert.NotEmpty(references);
        Assert.All(references, reference =>
        {
            var node = _document;
            foreach (var part in reference.TrimStart('#', '/').Split('/'))
            {
                Assert.True(node.TryGetProperty(part, out node), $"{reference} does not resolve");
            }
        });
    }

    [Fact]
    public async Task Document_EveryOperation_IsAnsweredByItsRoute()
    {
        foreach (var (method, path) in Documented())
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", "x"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", path.StartsWith("/admin", StringComparison.Ordinal) ? MasterKey : ProxyHost.ClientKey);
            if (method is "POST" or "PATCH")
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }

            using var response = await _proxy.Client.SendAsync(request);

            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode != HttpStatusCode.MethodNotAllowed && !body.Contains("unknown_route", StringComparison.Ordinal),
                $"{method} {path}: {(int)response.StatusCode} {body}");
        }
    }

    private IEnumerable<(string Method, string Path)> Documented()
    {
        foreach (var path in _document.GetProperty("paths").EnumerateObject())
        {
            foreach (var member in path.Value.EnumerateObject())
            {
                if (Operations.Contains(member.Name))
                {
                    yield return (member.Name.ToUpperInvariant(), path.Name);
                }
            }
        }
    }

    private static void Collect(JsonElement node, List<string> references)
    {
        if (node.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in node.EnumerateObject())
            {
                if (member.Name == "$ref")
                {
                    references.Add(member.Value.GetString()!);
                }
                Collect(member.Value, references);
            }
        }
        else if (node.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in node.EnumerateArray())
            {
                Collect(item, references);
            }
        }
    }
}
