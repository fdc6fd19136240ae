using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIChat;

/// <summary>Tests against a fresh fake upstream and a fresh proxy per test (each test scripts its upstream).</summary>
public abstract class ProxiedUpstreamTestBase(string alias, FakeOpenAIFlavor flavor = FakeOpenAIFlavor.OpenAI, string sections = "") : IAsyncLifetime
{
    private ProxiedUpstream _proxied = null!;

    protected FakeOpenAI Upstream => _proxied.Upstream;

    protected ProxyHost Proxy => _proxied.Proxy;

    public async Task InitializeAsync() => _proxied = await ProxiedUpstream.StartAsync(alias, flavor, sections);

    public async Task DisposeAsync() => await _proxied.DisposeAsync();
}
