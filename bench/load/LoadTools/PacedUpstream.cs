using System.Text;

namespace LlmProxy.LoadTools;

/// <summary>
/// A provider that streams slowly: role chunk, CHUNKS content chunks INTERVAL_MS apart, finish, usage, [DONE],
/// in OpenAI's chunk format, for any POST path ending in /chat/completions.
/// </summary>
internal static class PacedUpstream
{
    private const string Prefix = """data: {"id":"chatcmpl-paced","object":"chat.completion.chunk","created":1741570283,"model":"paced","choices":[{"index":0,"delta":""";

    public static async Task<int> RunAsync(string[] args)
    {
        var port = int.Parse(args[0]);
        var chunks = int.Parse(args[1]);
        var interval = TimeSpan.FromMilliseconds(int.Parse(args[2]));
        var role = Encoding.UTF8.GetBytes(Prefix + """{"role":"assistant","content":""},"finish_reason":null}]}""" + "\n\n");
        var content = Encoding.UTF8.GetBytes(Prefix + """{"content":" tok"},"finish_reason":null}]}""" + "\n\n");
        var tail = Encoding.UTF8.GetBytes(Prefix + """{},"finish_reason":"stop"}]}""" + "\n\n" +
            """data: {"id":"chatcmpl-paced","object":"chat.completion.chunk","created":1741570283,"model":"paced","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":""" +
            chunks + ",\"total_tokens\":" + (chunks + 10) + "}}\n\ndata: [DONE]\n\n");

        // No appsettings watcher: by default the host watches its working directory's whole tree (the repository here),
        // and every file written under it (the proxies' access logs) would pay for an inotify event.
        var builder = WebApplication.CreateSlimBuilder(["--hostBuilder:reloadConfigOnChange=false"]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxConcurrentConnections = null);
        var app = builder.Build();
        app.Run(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.ContentType = "text/event-stream";
            var body = context.Response.Body;
            var aborted = context.RequestAborted;
            await body.WriteAsync(role, aborted);
            await body.FlushAsync(aborted);
            using var timer = new PeriodicTimer(interval);
            for (var i = 0; i < chunks && await timer.WaitForNextTickAsync(aborted); i++)
            {
                await body.WriteAsync(content, aborted);
                await body.FlushAsync(aborted);
            }
            await body.WriteAsync(tail, aborted);
        });
        await app.RunAsync();
        return 0;
    }
}
