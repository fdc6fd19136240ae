namespace LlmProxy.Admin;

/// <summary>
/// The admin API's routes, all behind <see cref="AdminGate"/>. Their methods are also in the route table of
/// <c>Hosting/ProxyEndpoints</c>, so another method gets 405 with <c>Allow</c> like every route.
/// </summary>
internal static class AdminRoutes
{
    private static readonly string[] Read = ["GET", "HEAD"];
    private static readonly string[] Post = ["POST"];
    private static readonly string[] Patch = ["PATCH"];
    private static readonly string[] Delete = ["DELETE"];

    public static void Map(IEndpointRouteBuilder app)
    {
        var services = app.ServiceProvider;
        var keys = services.GetRequiredService<KeyEndpoints>();
        var teams = services.GetRequiredService<TeamEndpoints>();
        var audit = services.GetRequiredService<AuditEndpoint>();
        var usage = services.GetRequiredService<UsageEndpoint>();

        app.MapMethods("/admin/keys", Post, keys.CreateAsync);
        app.MapMethods("/admin/keys", Read, keys.ListAsync);
        app.MapMethods("/admin/keys/{id}", Read, keys.GetAsync);
        app.MapMethods("/admin/keys/{id}", Patch, keys.UpdateAsync);
        app.MapMethods("/admin/keys/{id}", Delete, keys.DeleteAsync);
        app.MapMethods("/admin/keys/{id}/rotate", Post, keys.RotateAsync);
        app.MapMethods("/admin/teams", Post, teams.CreateAsync);
        app.MapMethods("/admin/teams", Read, teams.ListAsync);
        app.MapMethods("/admin/teams/{id}", Read, teams.GetAsync);
        app.MapMethods("/admin/teams/{id}", Patch, teams.UpdateAsync);
        app.MapMethods("/admin/teams/{id}", Delete, teams.DeleteAsync);
        app.MapMethods("/admin/audit", Read, audit.ListAsync);
        app.MapMethods("/admin/usage", Read, usage.GetAsync);
    }
}
