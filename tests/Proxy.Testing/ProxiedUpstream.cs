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

    /// <param name="editConfig">Changes the generated config text before the proxy starts (extra sections, limits).</param>
    public static async Task<ProxiedUpstream> StartAsync(string alias, FakeOpenAIFlavor flavor = FakeOpenAIFlavor.OpenAI, Func<string, string>? editConfig = null)
    {
        var upstream = await FakeOpenAI.StartAsync(flavor);
        var provider = flavor == FakeOpenAIFlavor.OpenAI ? ProxyHost.OpenAIProvider(upstream) : ProxyHost.AzureProvider(upstream);
        var config = ProxyHost.Config(alias, provider);
        return new ProxiedUpstream(upstream, await ProxyHost.StartAsync(editConfig is null ? config : editConfig(config)));
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
