using System.Net.Http.Headers;

namespace LlmProxy.Providers;

/// <summary>
/// Takes the proxy's own credentials out of a provider's error message before it reaches a client or a log: a provider
/// (or a server in front of it) that echoes the key it was given, "Incorrect API key provided: Bearer sk-...", must not
/// hand the operator's key to every client. What counts as a credential is what the request carried in its credential
/// headers: each whole value, and each part of it long enough to be a key, an access key id or a signature.
/// </summary>
internal static class CredentialRedactor
{
    private const string Redacted = "[redacted]";
    private const int ShortestSecret = 12;
    private static readonly string[] CredentialHeaders = ["Authorization", "x-api-key", "api-key", "x-goog-api-key", "X-Amz-Security-Token"];
    private static readonly char[] Separators = [' ', ',', '=', '/', ':', ';'];

    /// <summary><paramref name="error"/> with every credential <paramref name="request"/> carried replaced by <c>[redacted]</c>.</summary>
    public static ProviderError Redact(ProviderError error, HttpRequestMessage? request)
    {
        if (request is null || string.IsNullOrEmpty(error.Message))
        {
            return error;
        }
        var message = error.Message;
        foreach (var name in CredentialHeaders)
        {
            if (request.Headers.NonValidated.TryGetValues(name, out var values))
            {
                message = Redact(message, values);
            }
        }
        return ReferenceEquals(message, error.Message) ? error : error with { Message = message };
    }

    private static string Redact(string message, HeaderStringValues values)
    {
        foreach (var value in values)
        {
            // The whole value first ("Bearer sk-..."), then its parts (the key alone, SigV4's access key id and signature).
            message = Replace(message, value);
            foreach (var part in value.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
            {
                message = Replace(message, part);
            }
        }
        return message;
    }

    private static string Replace(string message, string secret) =>
        secret.Length >= ShortestSecret && message.Contains(secret, StringComparison.Ordinal) ? message.Replace(secret, Redacted, StringComparison.Ordinal) : message;
}
