namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>The output item types the proxy makes from a translated answer.</summary>
internal enum OutputItemKind
{
    Message,
    FunctionCall,
    Reasoning,
}
