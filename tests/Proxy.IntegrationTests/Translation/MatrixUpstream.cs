using System.Text.RegularExpressions;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Translation;

/// <summary>
/// One fake that answers as any provider type, from the matrix fixtures in each provider's wire format
/// (Translation/Fixtures/{format}/{scenario}.stream.sse|events and .body.json). It tells the format by the URL the
/// proxy called, the scenario by the deployment model (<c>scenario-NAME</c>), and stream from non-stream as each API
/// does (a body's <c>stream</c>, Gemini's <c>:streamGenerateContent</c>, Bedrock's <c>/converse-stream</c>).
/// Scenarios about the request only (no fixture of their own) are answered with the plain text fixture.
/// </summary>
public sealed partial class MatrixUpstream : IAsyncDisposable
{
    private readonly FakeServer _server;

    private MatrixUpstream(FakeServer server) => _server = server;

    public Uri BaseUrl => _server.Root;

    public IReadOnlyList<ReceivedRequest> Requests => _server.Requests.ToArray();

    public static async Task<MatrixUpstream> StartAsync() => new(await FakeServer.StartAsync(AnswerAsync));

    /// <summary>The last request the proxy sent for <paramref name="scenario"/> to a provider of type <paramref name="provider"/>.</summary>
    public ReceivedRequest LastFor(string provider, string scenario) =>
        Requests.Last(r => ProviderOf(r.PathAndQuery) == provider && ScenarioOf(r) == scenario);

    private static async Task AnswerAsync(Microsoft.AspNetCore.Http.HttpContext context, ReceivedRequest request)
    {
        var format = FormatOf(request.PathAndQuery);
        var stream = format switch
        {
            "gemini" => request.PathAndQuery.Contains(":streamGenerateContent", StringComparison.Ordinal),
            "bedrock" => request.PathAndQuery.Contains("/converse-stream", StringComparison.Ordinal),
            _ => request.Json.TryGetProperty("stream", out var s) && s.ValueKind == System.Text.Json.JsonValueKind.True,
        };
        var scenario = ScenarioOf(request);
        // The legacy Completions API answers in its own shape: its fixtures have a folder of their own.
        var legacyCompletions = format == "openai" && !request.PathAndQuery.Contains("/chat/completions", StringComparison.Ordinal);
        var folder = Path.Combine(RepositoryRoot.Path, "tests", "Proxy.IntegrationTests", "Translation", "Fixtures", legacyCompletions ? "openai-completions" : format);
        var name = File.Exists(Path.Combine(folder, scenario + ".body.json")) ? scenario : "text";
        if (!stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(await File.ReadAllBytesAsync(Path.Combine(folder, name + ".body.json")));
            return;
        }
        if (format == "bedrock")
        {
            context.Response.ContentType = "application/vnd.amazon.eventstream";
            await context.Response.Body.WriteAsync(AwsEventStreamWriter.EncodeLines(await File.ReadAllLinesAsync(Path.Combine(folder, name + ".stream.events"))));
            return;
        }
        context.Response.ContentType = "text/event-stream";
        await context.Response.Body.WriteAsync(await File.ReadAllBytesAsync(Path.Combine(folder, name + ".stream.sse")));
    }

    private static string ProviderOf(string path) =>
        path.StartsWith("/openai/deployments/", StringComparison.Ordinal) ? "azure" : path.StartsWith("/v1/chat/completions", StringComparison.Ordinal) || path.StartsWith("/v1/completions", StringComparison.Ordinal) ? "openai" : FormatOf(path);

    // Azure's deployments URL carries the OpenAI wire format too.
    private static string FormatOf(string path) =>
        path.StartsWith("/v1/chat/completions", StringComparison.Ordinal) || path.StartsWith("/v1/completions", StringComparison.Ordinal)
            || path.StartsWith("/openai/deployments/", StringComparison.Ordinal) ? "openai"
        : path.StartsWith("/v1/messages", StringComparison.Ordinal) ? "anthropic"
        : path.StartsWith("/v1beta/models/", StringComparison.Ordinal) ? "gemini"
        : path.StartsWith("/model/", StringComparison.Ordinal) ? "bedrock"
        : throw new InvalidOperationException($"no provider answers {path}");

    private static string ScenarioOf(ReceivedRequest request)
    {
        var match = ScenarioName().Match(Uri.UnescapeDataString(request.PathAndQuery));
        if (!match.Success)
        {
            match = ScenarioName().Match(request.BodyText);
        }
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException("a request for no matrix scenario: " + request.PathAndQuery);
    }

    [GeneratedRegex("scenario-([a-z_]+)")]
    private static partial Regex ScenarioName();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
