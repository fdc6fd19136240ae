namespace LlmProxy.Testing;

/// <summary>A fake OpenAI-format upstream and the proxy in front of it, serving it as alias <c>alias</c>.</summary>
public sealed class ProxiedUpstream : IAsyncDisposable
{
    private ProxiedUpstream(FakeOpenAI upstream, ProxyHost proxy)
    {
        Upstream = upstream;
        Proxy = proxy;
    }

    public FakeOpenAI Upstream { get; }

    public ProxyHost Proxy { get; }

    /// <param name="sections">More top-level config sections, each followed by a comma (e.g. routing limits).</param>
    public static async Task<ProxiedUpstream> StartAsync(string alias, FakeOpenAIFlavor flavor = FakeOpenAIFlavor.OpenAI, string sections = "")
    {
        var upstream = await FakeOpenAI.StartAsync(flavor);
        var provider = flavor == FakeOpenAIFlavor.OpenAI ? ProxyHost.OpenAIProvider(upstream) : ProxyHost.AzureProvider(upstream);
        return new ProxiedUpstream(upstream, await ProxyHost.StartAsync(ProxyHost.ConfigWith(sections, alias, provider)));
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
