using LlmProxy.Canonical;

namespace LlmProxy.Providers;

/// <summary>
/// A JSON answer format for providers whose only structured output is tool use (Anthropic, Bedrock Converse): a
/// tool whose input schema is the answer's schema, forced with tool choice; its input comes back as the answer text.
/// </summary>
internal static class JsonAnswerTool
{
    public const string Description = "Give the answer as this tool's input: JSON that matches its schema.";
    private const string JsonObjectName = "json_object";
    private const string AnyObjectSchema = "{\"type\":\"object\"}";

    // Both providers that need the tool name tools [a-zA-Z0-9_-]{1,64}; a schema's name may be anything.
    private static readonly IdentifierRule Names = new(IdentifierRule.WordCharacters, 64);

    /// <summary>The tool's name for <paramref name="format"/>, or null when the answer is plain text.</summary>
    public static string? NameFor(ResponseFormat? format) => format switch
    {
        { Kind: ResponseFormatKind.JsonSchema, Name: { Length: > 0 } name } => Names.Conform(name),
        { Kind: ResponseFormatKind.JsonSchema or ResponseFormatKind.JsonObject } => JsonObjectName,
        _ => null,
    };

    public static string SchemaFor(ResponseFormat format) => format.SchemaJson ?? AnyObjectSchema;
}
