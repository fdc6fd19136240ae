namespace LlmProxy.Testing;

public enum FakeOpenAIFlavor
{
    /// <summary>api.openai.com: <c>/v1/chat/completions</c>, Bearer key, model in the body.</summary>
    OpenAI,

    /// <summary>Azure OpenAI: <c>/openai/deployments/{name}/chat/completions?api-version=</c>, <c>api-key</c> header, prompt-filter chunks.</summary>
    Azure,
}
