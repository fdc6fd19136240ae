using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Inbound;
using LlmProxy.Routing;
using LlmProxy.Storage;

namespace LlmProxy.Admin;

/// <summary>
/// <c>/admin/teams</c>: create, list, get, PATCH and DELETE teams, whose models and limits every key in them shares on
/// top of its own. A team that still has keys cannot be deleted (400 <c>team_not_empty</c>): its keys would lose
/// their shared limits silently. Lists are ordered by id, as keys are.
/// </summary>
internal sealed class TeamEndpoints(AccessDirectory directory, IAccessStore store, ModelCatalog catalog, TimeProvider time, BodyBudget budget, ErrorResponder errors)
{
    public async Task CreateAsync(HttpContext context)
    {
        var (fields, error) = await AdminFields.ReadAsync(context, budget, AccessFieldsReader.TeamFields, catalog, time);
        if (fields is null)
        {
            await errors.WriteAsync(context, error!);
            return;
        }
        var (team, failure) = await AdminChange.RunAsync<StoredTeam>(directory, store, context, "conflict", async () =>
        {
            var team = AccessChanges.NewTeam(KeySecrets.NewTeamId(), fields, time.GetUtcNow().ToUnixTimeSeconds());
            if (NameTaken(team, fields) is { } taken)
            {
                return (null, taken);
            }
            await store.CreateTeamAsync(team, AdminRequest.Audit(context, time, "team.create", team.Id, AuditDetails.OfNewTeam(team)), CancellationToken.None);
            return ((StoredTeam?)team, (GatewayError?)null);
        });
        await AnswerAsync(context, team, failure);
    }

    public Task ListAsync(HttpContext context)
    {
        if (AdminRequest.TryPage(context.Request, out var limit, out var after) is { } error)
        {
            return errors.WriteAsync(context, error);
        }
        var page = directory.Teams
            .Select(team => team.Stored)
            .Where(team => after is null || string.CompareOrdinal(team.Id, after) > 0)
            .OrderBy(team => team.Id, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        return ListJson.WriteAsync(context, page, limit, static team => team.Id, AccessJson.WriteTeam);
    }

    public Task GetAsync(HttpContext context)
    {
        var id = AdminRequest.Id(context);
        return directory.FindTeam(id) is { } team
            ? JsonAnswer.WriteAsync(context.Response, team.Stored, AccessJson.WriteTeam, context.RequestAborted)
            : errors.WriteAsync(context, AdminErrors.NotFound("team", id));
    }

    public async Task UpdateAsync(HttpContext context)
    {
        var id = AdminRequest.Id(context);
        if (directory.FindTeam(id) is null)
        {
            await errors.WriteAsync(context, AdminErrors.NotFound("team", id));
            return;
        }
        var (fields, error) = await AdminFields.ReadAsync(context, budget, AccessFieldsReader.TeamFields, catalog, time);
        if (fields is null)
        {
            await errors.WriteAsync(context, error!);
            return;
        }
        var (team, failure) = await AdminChange.RunAsync<StoredTeam>(directory, store, context, "conflict", async () =>
        {
            if (directory.FindTeam(id)?.Stored is not { } current)
            {
                return (null, AdminErrors.NotFound("team", id));
            }
            var updated = AccessChanges.Apply(current, fields, time.GetUtcNow().ToUnixTimeSeconds());
            if (NameTaken(updated, fields) is { } taken)
            {
                return (null, taken);
            }
            var found = await store.UpdateTeamAsync(updated, AdminRequest.Audit(context, time, "team.update", id, AuditDetails.OfUpdate(fields, updated)),
                CancellationToken.None);
            return found ? (updated, null) : (null, AdminErrors.NotFound("team", id));
        });
        await AnswerAsync(context, team, failure);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        var id = AdminRequest.Id(context);
        var (_, failure) = await AdminChange.RunAsync<StoredTeam>(directory, store, context, "team_not_empty", async () =>
        {
            if (directory.FindTeam(id)?.Stored is not { } current)
            {
                return (null, AdminErrors.NotFound("team", id));
            }
            if (directory.Keys.Any(key => key.Stored?.TeamId == id))
            {
                return (null, AdminErrors.TeamNotEmpty(id));
            }
            var found = await store.DeleteTeamAsync(id, AdminRequest.Audit(context, time, "team.delete", id, AuditDetails.OfDeletion(current.Name)),
                CancellationToken.None);
            return found ? (current, null) : ((StoredTeam?)null, (GatewayError?)AdminErrors.NotFound("team", id));
        });
        await (failure is not null
            ? errors.WriteAsync(context, failure)
            : JsonAnswer.WriteAsync(context.Response, id, static (json, id) => AccessJson.WriteDeleted(json, id, "team.deleted"), context.RequestAborted));
    }

    private Task AnswerAsync(HttpContext context, StoredTeam? team, GatewayError? failure) => team is null
        ? errors.WriteAsync(context, failure!)
        : JsonAnswer.WriteAsync(context.Response, team, AccessJson.WriteTeam, context.RequestAborted);

    // Under the change lock, as for keys.
    private GatewayError? NameTaken(StoredTeam team, AccessFields fields) =>
        fields.Name.Present && directory.Teams.Any(other => other.Name == team.Name && other.Id != team.Id) ? AdminErrors.NameTaken("team", team.Name) : null;
}
