using System.Globalization;
using LlmProxy.Canonical;
using LlmProxy.Storage;

namespace LlmProxy.Admin;

/// <summary>
/// What every admin handler reads from a request: the route's <c>{id}</c>, the list parameters <c>limit</c> (1 to
/// 100, default 20) and <c>after</c>, and the actor of its audit entries: <c>master_key@ADDRESS</c>, how the caller
/// authenticated and from where (the only credential the admin API takes is the master key, and it is never written).
/// </summary>
internal static class AdminRequest
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    private static readonly string[] PageParameters = ["limit", "after"];

    public static string Id(HttpContext context) => context.Request.RouteValues["id"] as string ?? "";

    public static GatewayError? TryLimit(HttpRequest request, out int limit)
    {
        limit = DefaultLimit;
        if (Single(request, "limit", out var text) is { } error)
        {
            return error;
        }
        if (text is null)
        {
            return null;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= MaxLimit
            ? null
            : AdminErrors.InvalidValue("limit", $"'limit' must be a whole number from 1 to {MaxLimit}, not '{ErrorText.Quote(text)}'.");
    }

    /// <summary>The list parameters <c>limit</c> and <c>after</c> (null when absent); any other is a 400.</summary>
    public static GatewayError? TryPage(HttpRequest request, out int limit, out string? after)
    {
        after = null;
        limit = DefaultLimit;
        return OnlyKnown(request, PageParameters) ?? TryLimit(request, out limit) ?? Single(request, "after", out after);
    }

    /// <summary>
    /// A 400 naming the first query parameter that is not one of <paramref name="known"/>: a misspelt filter or grouping
    /// would otherwise be ignored, and the answer look right while it is not.
    /// </summary>
    public static GatewayError? OnlyKnown(HttpRequest request, string[] known)
    {
        foreach (var (name, _) in request.Query)
        {
            if (!IsKnown(name, known))
            {
                return AdminErrors.UnknownParameter(name, known);
            }
        }
        return null;
    }

    /// <summary>A query parameter given at most once (null when absent); twice is a 400 naming it.</summary>
    public static GatewayError? Single(HttpRequest request, string name, out string? value)
    {
        var values = request.Query[name];
        value = values.Count == 1 ? values[0] : null;
        return values.Count > 1 ? AdminErrors.InvalidValue(name, $"'{name}' is given {values.Count} times; give it once.") : null;
    }

    // As the query is read: names in any case.
    private static bool IsKnown(string name, string[] known)
    {
        foreach (var candidate in known)
        {
            if (string.Equals(name, candidate, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    public static string Actor(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "master_key";
        }
        // An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d; written as the IPv4 address it is. IPv6 has no brackets.
        return "master_key@" + (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    /// <summary>An audit entry of a change made now by this request's caller (the store assigns its id).</summary>
    public static AuditEntry Audit(HttpContext context, TimeProvider time, string action, string target, string detailsJson) =>
        new(0, time.GetUtcNow().ToUnixTimeMilliseconds(), Actor(context), action, target, detailsJson);
}
