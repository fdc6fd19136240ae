using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests;

/// <summary>A fresh fake Anthropic API and a fresh proxy serving it as <c>alias</c>, per test.</summary>
public abstract class ProxiedAnthropicTestBase(string alias) : IAsyncLifetime
{
    protected FakeAnthropic Upstream { get; private set; } = null!;

    protected ProxyHost Proxy { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Upstream = await FakeAnthropic.StartAsync();
        Proxy = await ProxyHost.StartAsync(ProxyHost.Config(alias, ProxyHost.AnthropicProvider(Upstream)));
    }

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
    }

    /// <summary>Usage is recorded just after the answer's last byte; wait for it rather than race it.</summary>
    internal Task<Usage.UsageRecord> WaitForUsageAsync() => Proxy.WaitForUsageAsync();
}
