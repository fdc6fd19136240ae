using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>
/// Live reload of the shipped binary: SIGHUP (what <c>systemctl reload</c> sends) and <c>server.watchConfig</c> apply a
/// new config to the next request while streams already running finish on the old one, and a broken file changes nothing.
/// </summary>
public sealed class ReloadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llm-proxy-reload-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Sighup_UnderAStream_NextRequestsUseTheNewDeploymentsAndKeysWhileTheStreamFinishesOnTheOld()
    {
        await using var binary = await PublishedBinary.StartAsync(WriteConfig(Config(deployment: "slow", keys: ["sk-stays", "sk-goes"])));
        var live = Path.Combine(binary.Folder, "proxy.json");
        using var stays = Client(binary, "sk-stays");
        using var goes = Client(binary, "sk-goes");
        Assert.Equal("slow/echo", await DeploymentOfAsync(goes));
        // 100 words at 20 a second: about five seconds of stream, open across the reload.
        var (streamDeployment, stream) = await OpenStreamAsync(stays, words: 100);

        File.WriteAllText(live, Config(deployment: "fast", keys: ["sk-stays", "sk-new"]));
        var before = binary.Output.Count;
        binary.HangUp();
        await binary.WaitForOutputAsync("config reloaded from", before);

        using var fresh = Client(binary, "sk-new");
        Assert.Equal("fast/echo", await DeploymentOfAsync(stays));
        Assert.Equal("fast/echo", await DeploymentOfAsync(fresh));
        Assert.Equal(HttpStatusCode.Unauthorized, (await goes.PostAsync("/v1/chat/completions", Body(stream: false, words: 1))).StatusCode);
        var body = (await stream.ReadToEndAsync()).Replace("\r", "");
        Assert.Equal("slow/echo", streamDeployment);
        Assert.Equal(100, body.Split("\"content\":\"").Length - 2); // a role chunk, then one chunk per word, none lost
        Assert.EndsWith("data: [DONE]\n\n", body);
    }

    [Fact]
    public async Task Sighup_RepeatedUnderSteadyTraffic_NoRequestFails()
    {
        await using var binary = await PublishedBinary.StartAsync(WriteConfig(Config(deployment: "fast", keys: ["sk-stays"])));
        var live = Path.Combine(binary.Folder, "proxy.json");
        using var client = Client(binary, "sk-stays");
        using var stop = new CancellationTokenSource();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var traffic = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await client.PostAsync("/v1/chat/completions", Body(stream: false, words: 3));
                statuses.Add(response.StatusCode);
            }
        })).ToArray();

        for (var i = 1; i <= 4; i++)
        {
            File.WriteAllText(live, Config(deployment: i % 2 == 1 ? "slow" : "fast", keys: ["sk-stays", $"sk-extra-{i}"]));
            var before = binary.Output.Count;
            var served = statuses.Count;
            binary.HangUp();
            await binary.WaitForOutputAsync("config reloaded from", before);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (statuses.Count < served + 5 && DateTime.UtcNow < deadline && !traffic.Any(task => task.IsFaulted))
            {
                await Task.Delay(10); // traffic goes on across each reload
            }
        }
        stop.Cancel();
        await Task.WhenAll(traffic);

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal("fast/echo", await DeploymentOfAsync(client));
    }

    [Fact]
    public async Task Sighup_BrokenConfig_IsRefusedWithTheCheckConfigLineAndTheProxyServesOnUnchanged()
    {
        await using var binary = await PublishedBinary.StartAsync(WriteConfig(Config(deployment: "fast", keys: ["sk-stays"])));
        var live = Path.Combine(binary.Folder, "proxy.json");
        using var client = Client(binary, "sk-stays");
        File.WriteAllText(live, Config(deployment: "nowhere", keys: ["sk-other"]));
        var check = await PublishedBinary.RunAsync("--check-config", live);

        var before = binary.Output.Count;
        binary.HangUp();
        var refused = await binary.WaitForOutputAsync("config reload refused", before);

        Assert.Equal(1, check.ExitCode);
        Assert.EndsWith(check.Stderr.Trim(), refused);
        Assert.StartsWith("config error: models.chat[0].provider: ", check.Stderr);
        Assert.Equal("fast/echo", await DeploymentOfAsync(client));
    }

    [Fact]
    public async Task WatchConfig_FileRewritten_AppliesWithoutASignal()
    {
        await using var binary = await PublishedBinary.StartAsync(WriteConfig(Config(deployment: "fast", keys: ["sk-old"], watch: true)));
        var live = Path.Combine(binary.Folder, "proxy.json");
        using var old = Client(binary, "sk-old");
        Assert.Equal("fast/echo", await DeploymentOfAsync(old));

        // Saved as editors do: a new file renamed over the old one.
        var before = binary.Output.Count;
        File.WriteAllText(live + ".tmp", Config(deployment: "slow", keys: ["sk-fresh"], watch: true));
        File.Move(live + ".tmp", live, overwrite: true);
        await binary.WaitForOutputAsync("config reloaded from", before);

        using var fresh = Client(binary, "sk-fresh");
        Assert.Equal("slow/echo", await DeploymentOfAsync(fresh));
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.PostAsync("/v1/chat/completions", Body(stream: false, words: 1))).StatusCode);
    }

    [Fact]
    public async Task WatchConfig_AccessLogWrittenBesideTheConfigUnderTraffic_DoesNotHoldTheReloadOff()
    {
        await using var binary = await PublishedBinary.StartAsync(WriteConfig(Config(deployment: "fast", keys: ["sk-old"], watch: true, accessLog: true)));
        var live = Path.Combine(binary.Folder, "proxy.json");
        using var old = Client(binary, "sk-old");
        using var stop = new CancellationTokenSource();
        // Each request appends to access.log in the config's folder, far more often than the reload's 300 ms settling time.
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var _ = await old.PostAsync("/v1/chat/completions", Body(stream: false, words: 1));
            }
        });

        var before = binary.Output.Count;
        File.WriteAllText(live, Config(deployment: "slow", keys: ["sk-old", "sk-fresh"], watch: true, accessLog: true));
        await binary.WaitForOutputAsync("config reloaded from", before);
        stop.Cancel();
        await traffic;

        using var fresh = Client(binary, "sk-fresh");
        Assert.Equal("slow/echo", await DeploymentOfAsync(fresh));
    }

    [Fact]
    public async Task Binary_WatchConfigOff_WatchesNoFolder()
    {
        // An access log beside the binary or the config must not pay for an inotify event per write that nothing reads.
        await using var binary = await PublishedBinary.StartAsync(WriteConfig(Config(deployment: "fast", keys: ["sk-old"], accessLog: true)));
        using var client = Client(binary, "sk-old");
        Assert.Equal("fast/echo", await DeploymentOfAsync(client));

        Assert.Empty(binary.WatchedInodes());
    }

    [Fact]
    public async Task Binary_WatchConfigOn_WatchesOnlyTheConfigsFolder()
    {
        await using var binary = await PublishedBinary.StartAsync(WriteConfig(Config(deployment: "fast", keys: ["sk-old"], watch: true)));
        using var client = Client(binary, "sk-old");
        Assert.Equal("fast/echo", await DeploymentOfAsync(client));

        Assert.Equal([Inode(binary.Folder)], binary.WatchedInodes());
    }

    // coreutils' stat: .NET has no API for a file's inode number.
    private static ulong Inode(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var inode = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return ulong.Parse(inode);
    }

    private string WriteConfig(string text)
    {
        var path = Path.Combine(_folder, "proxy.json");
        File.WriteAllText(path, text);
        return path;
    }

    private string Config(string deployment, string[] keys, bool watch = false, bool accessLog = false) => $$"""
        {
          "server": { "watchConfig": {{(watch ? "true" : "false")}} },
          {{(accessLog ? "\"accessLog\": { \"path\": \"access.log\" }," : "")}}
          "storage": { "path": "{{Path.Combine(_folder, "proxy.db")}}" },
          "providers": { "slow": { "type": "mock", "tokensPerSecond": 20 }, "fast": { "type": "mock" } },
          "models": { "chat": [ { "provider": "{{deployment}}", "model": "echo" } ] },
          "keys": [ {{string.Join(", ", keys.Select(key => $$"""{ "key": "{{key}}", "name": "{{key}}" }"""))}} ]
        }
        """;

    private static HttpClient Client(PublishedBinary binary, string key)
    {
        var http = new HttpClient { BaseAddress = binary.Root, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    private static StringContent Body(bool stream, int words) => new(
        $$"""{"model":"chat","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{string.Join(' ', Enumerable.Repeat("word", words))}}"}]}""",
        Encoding.UTF8, "application/json");

    private static async Task<string> DeploymentOfAsync(HttpClient http)
    {
        using var response = await http.PostAsync("/v1/chat/completions", Body(stream: false, words: 1));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("x-llm-proxy-deployment").Single();
    }

    // Returns once the stream's headers arrived: the request is in flight when the reload comes.
    private static async Task<(string Deployment, StreamReader Body)> OpenStreamAsync(HttpClient http, int words)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Body(stream: true, words) };
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (response.Headers.GetValues("x-llm-proxy-deployment").Single(), new StreamReader(await response.Content.ReadAsStreamAsync()));
    }
}
