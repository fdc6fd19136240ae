using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Compatible;

/// <summary>
/// Alibaba Cloud Model Studio (DashScope), its OpenAI-compatible mode
/// (https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope): the international
/// endpoint by default, the China (Beijing) one with <c>"region": "cn"</c>; Bearer <c>DASHSCOPE_API_KEY</c>;
/// <c>max_tokens</c>; Qwen's thinking comes as <c>reasoning_content</c>.
/// </summary>
internal static class DashScope
{
    public static readonly OpenAICompatible Service = new("https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "DASHSCOPE_API_KEY",
        KeyRequired: true, new OpenAIHost(TakesMaxCompletionTokens: false))
    {
        RegionBaseUrls = new Dictionary<string, string>
        {
            ["intl"] = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
            ["cn"] = "https://dashscope.aliyuncs.com/compatible-mode/v1",
        },
    };
}
