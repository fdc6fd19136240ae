namespace LlmProxy.Canonical;

internal enum ResponseFormatKind
{
    Text,
    JsonObject,
    JsonSchema,
}
