using LlmProxy.Config;

namespace LlmProxy.Providers;

/// <summary>One configured provider. What it can do is said by the capability interfaces it also implements.</summary>
internal interface IProviderAdapter
{
    ProviderConfig Config { get; }
}
