using LlmProxy.Config;
using LlmProxy.Inbound;
using LlmProxy.Inbound.OpenAIModels;
using LlmProxy.Usage;

namespace LlmProxy.Hosting;

internal static class ProxyServices
{
    /// <summary>Registers the runtime built from the config and every singleton the endpoints use.</summary>
    public static IServiceCollection AddProxy(this IServiceCollection services, ProxyRuntime runtime, HttpMessageInvoker upstream)
    {
        services.AddSingleton(runtime.Config.Server);
        services.AddSingleton(runtime.Catalog);
        services.AddSingleton(runtime.Keys);
        services.AddSingleton(_ => upstream); // a factory registration, so the container disposes the pool on shutdown
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ErrorResponder>();
        services.AddSingleton<IUsageRecorder, UsageLog>();
        services.AddSingleton<InboundPipeline>();
        services.AddSingleton<HealthEndpoint>();
        services.AddSingleton<OpenAIModelsEndpoint>();
        return services;
    }
}
