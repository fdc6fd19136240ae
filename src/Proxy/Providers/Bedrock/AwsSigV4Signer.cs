using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LlmProxy.Providers.Bedrock;

/// <summary>
/// AWS Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html): a
/// canonical request (method, URI-encoded path, sorted query, sorted lowercase headers, signed header names, payload
/// SHA-256), a string to sign over its hash and the credential scope, and an HMAC-SHA256 chain from the secret
/// through date, region, service and "aws4_request". SigV4's UriEncode is RFC 3986's (unreserved characters kept,
/// UTF-8 bytes as upper-case %XX), which is what <see cref="Uri.EscapeDataString(string)"/> does.
/// </summary>
internal static class AwsSigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>
    /// The Authorization header value. <paramref name="path"/> is the path as sent (already percent-encoded once);
    /// every service but S3 encodes it once more in the canonical request. <paramref name="headers"/> are the
    /// headers to sign (host and x-amz-date among them), in any order and case.
    /// </summary>
    public static string Authorization(AwsCredentials credentials, string region, string service, DateTimeOffset time,
        string method, string path, string query, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> payload)
    {
        var sorted = new List<KeyValuePair<string, string>>(headers.Count);
        foreach (var (name, value) in headers)
        {
            sorted.Add(new(name.ToLowerInvariant(), CollapseSpaces(value.Trim())));
        }
        sorted.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var canonicalHeaders = new StringBuilder();
        var signedHeaders = new StringBuilder();
        foreach (var (name, value) in sorted)
        {
            canonicalHeaders.Append(name).Append(':').Append(value).Append('\n');
            signedHeaders.Append(signedHeaders.Length > 0 ? ";" : "").Append(name);
        }
        var canonicalRequest = string.Join('\n', method, CanonicalPath(path, service), CanonicalQuery(query), canonicalHeaders.ToString(),
            signedHeaders.ToString(), Convert.ToHexStringLower(SHA256.HashData(payload)));

        var date = time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = string.Join('\n', Algorithm, AmzDate(time), scope,
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));

        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    /// <summary>The <c>x-amz-date</c> value: basic ISO 8601, UTC, to the second.</summary>
    public static string AmzDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static string CanonicalPath(string path, string service)
    {
        if (path.Length == 0)
        {
            return "/";
        }
        if (service == "s3")
        {
            return path;
        }
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = Uri.EscapeDataString(segments[i]);
        }
        return string.Join('/', segments);
    }

    private static string CanonicalQuery(string query)
    {
        if (query.Length == 0)
        {
            return "";
        }
        var pairs = new List<(string Key, string Value)>();
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            pairs.Add((Uri.EscapeDataString(key), Uri.EscapeDataString(value)));
        }
        pairs.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key) is var byKey and not 0 ? byKey : string.CompareOrdinal(a.Value, b.Value));
        var result = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            result.Append(result.Length > 0 ? "&" : "").Append(key).Append('=').Append(value);
        }
        return result.ToString();
    }

    private static string CollapseSpaces(string value)
    {
        if (!value.Contains("  ", StringComparison.Ordinal))
        {
            return value;
        }
        var result = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c != ' ' || result.Length == 0 || result[^1] != ' ')
            {
                result.Append(c);
            }
        }
        return result.ToString();
    }
}
