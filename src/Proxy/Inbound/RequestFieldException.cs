namespace LlmProxy.Inbound;

/// <summary>
/// A field of a client's body that cannot be translated. Thrown only inside the canonical readers, which turn it
/// into a 400 naming the field before returning; it never crosses a reader's boundary.
/// </summary>
internal sealed class RequestFieldException(string param, string message) : Exception(message)
{
    public string Param { get; } = param;
}
