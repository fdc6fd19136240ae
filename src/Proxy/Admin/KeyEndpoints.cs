using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Inbound;
using LlmProxy.Routing;
using LlmProxy.Storage;

namespace LlmProxy.Admin;

/// <summary>
/// <c>/admin/keys</c>: create (the secret answered once, stored only as its SHA-256), list, get, PATCH, DELETE and
/// rotate virtual keys. Keys of the config file are listed and read beside them (<c>source: config</c>, id
/// <c>cfg-NAME</c>) but cannot be changed here. Lists are ordered by id, so an <c>after</c> cursor stays valid even
/// when the key it names is deleted meanwhile.
/// </summary>
internal sealed class KeyEndpoints(AccessDirectory directory, IAccessStore store, ModelCatalog catalog, TimeProvider time, BodyBudget budget, ErrorResponder errors)
{
    public async Task CreateAsync(HttpContext context)
    {
        var (fields, error) = await ReadAsync(context, AccessFieldsReader.KeyCreate);
        if (fields is null)
        {
            await errors.WriteAsync(context, error!);
            return;
        }
        var secret = KeySecrets.NewSecret();
        var (key, failure) = await AdminChange.RunAsync<StoredKey>(directory, store, context, "team_not_found", async () =>
        {
            var key = AccessChanges.NewKey(KeySecrets.NewKeyId(), KeySecrets.Prefix(secret), fields, time.GetUtcNow().ToUnixTimeSeconds());
            if (CheckReferences(key, fields) is { } refused)
            {
                return (null, refused);
            }
            await store.CreateKeyAsync(key, new StoredSecret(SecretHash.Of(secret).ToBytes(), key.Id, null),
                AdminRequest.Audit(context, time, "key.create", key.Id, AuditDetails.OfNewKey(key)), CancellationToken.None);
            return ((StoredKey?)key, (GatewayError?)null);
        });
        await AnswerAsync(context, key, failure, secret);
    }

    public Task ListAsync(HttpContext context)
    {
        if (AdminRequest.TryPage(context.Request, out var limit, out var after) is { } error)
        {
            return errors.WriteAsync(context, error);
        }
        var page = directory.Keys
            .Where(key => after is null || string.CompareOrdinal(key.Id, after) > 0)
            .OrderBy(key => key.Id, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        return ListJson.WriteAsync(context, page, limit, static key => key.Id, AccessJson.WriteKey);
    }

    public Task GetAsync(HttpContext context)
    {
        var id = AdminRequest.Id(context);
        return directory.FindKey(id) is { } key
            ? JsonAnswer.WriteAsync(context.Response, key, AccessJson.WriteKey, context.RequestAborted)
            : errors.WriteAsync(context, AdminErrors.NotFound("key", id));
    }

    public async Task UpdateAsync(HttpContext context)
    {
        var id = AdminRequest.Id(context);
        if (Changeable(id) is { } refused)
        {
            await errors.WriteAsync(context, refused);
            return;
        }
        var (fields, error) = await ReadAsync(context, AccessFieldsReader.KeyUpdate);
        if (fields is null)
        {
            await errors.WriteAsync(context, error!);
            return;
        }
        var (key, failure) = await AdminChange.RunAsync<StoredKey>(directory, store, context, "team_not_found", async () =>
        {
            if (directory.FindKey(id)?.Stored is not { } current)
            {
                return (null, AdminErrors.NotFound("key", id));
            }
            // Revocation is for good: a secret that may have leaked must not come back by a PATCH. Rotate or create instead.
            if (current.Revoked && fields.Revoked is { Present: true, Value: false })
            {
                return (null, AdminErrors.InvalidValue("revoked", "'revoked': a revoked key cannot be reinstated; create a new key instead."));
            }
            var updated = AccessChanges.Apply(current, fields, time.GetUtcNow().ToUnixTimeSeconds());
            if (CheckReferences(updated, fields) is { } conflict)
            {
                return (null, conflict);
            }
            var found = await store.UpdateKeyAsync(updated, AdminRequest.Audit(context, time, "key.update", id, AuditDetails.OfUpdate(fields, updated)),
                CancellationToken.None);
            return found ? (updated, null) : (null, AdminErrors.NotFound("key", id));
        });
        await AnswerAsync(context, key, failure, secret: null);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        var id = AdminRequest.Id(context);
        if (Changeable(id) is { } refused)
        {
            await errors.WriteAsync(context, refused);
            return;
        }
        var (_, failure) = await AdminChange.RunAsync<StoredKey>(directory, store, context, "conflict", async () =>
        {
            if (directory.FindKey(id)?.Stored is not { } current)
            {
                return (null, AdminErrors.NotFound("key", id));
            }
            var found = await store.DeleteKeyAsync(id, AdminRequest.Audit(context, time, "key.delete", id, AuditDetails.OfDeletion(current.Name)),
                CancellationToken.None);
            return found ? (current, null) : ((StoredKey?)null, (GatewayError?)AdminErrors.NotFound("key", id));
        });
        await (failure is not null
            ? errors.WriteAsync(context, failure)
            : JsonAnswer.WriteAsync(context.Response, id, static (json, id) => AccessJson.WriteDeleted(json, id, "key.deleted"), context.RequestAborted));
    }

    /// <summary>
    /// A new secret; every older one of the key keeps working for <c>gracePeriodSeconds</c> (default 0: it stops at
    /// once) and then stops. A rotation never lengthens an older secret's grace.
    /// </summary>
    public async Task RotateAsync(HttpContext context)
    {
        var id = AdminRequest.Id(context);
        if (Changeable(id) is { } refused)
        {
            await errors.WriteAsync(context, refused);
            return;
        }
        var (fields, error) = await ReadAsync(context, AccessFieldsReader.Rotate);
        if (fields is null)
        {
            await errors.WriteAsync(context, error!);
            return;
        }
        var grace = fields.GracePeriodSeconds.Or(0);
        var secret = KeySecrets.NewSecret();
        var (key, failure) = await AdminChange.RunAsync<StoredKey>(directory, store, context, "conflict", async () =>
        {
            if (directory.FindKey(id)?.Stored is not { } current)
            {
                return (null, AdminErrors.NotFound("key", id));
            }
            if (current.Revoked)
            {
                // Its new secret would only ever get 401 revoked_api_key.
                return (null, AdminErrors.InvalidValue("id", $"The key '{id}' is revoked; a revoked key cannot be rotated. Create a new key instead."));
            }
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            var rotated = current with { Prefix = KeySecrets.Prefix(secret), UpdatedAt = now };
            var found = await store.RotateKeyAsync(rotated, new StoredSecret(SecretHash.Of(secret).ToBytes(), id, null), now + grace,
                AdminRequest.Audit(context, time, "key.rotate", id, AuditDetails.OfRotation(grace, rotated.Prefix)), CancellationToken.None);
            if (!found)
            {
                return (null, AdminErrors.NotFound("key", id));
            }
            return ((StoredKey?)rotated, (GatewayError?)null);
        });
        await AnswerAsync(context, key, failure, secret);
    }

    private Task AnswerAsync(HttpContext context, StoredKey? key, GatewayError? failure, string? secret) => key is null
        ? errors.WriteAsync(context, failure!)
        : JsonAnswer.WriteAsync(context.Response, (key, secret), static (json, state) => AccessJson.WriteKey(json, state.key, state.secret),
            context.RequestAborted);

    // Config keys never change while the proxy runs, so this is safe to ask before the change lock; the stored key's
    // existence is asked again under it.
    private GatewayError? Changeable(string id) => directory.FindKey(id) switch
    {
        null => AdminErrors.NotFound("key", id),
        { FromConfigFile: true } => AdminErrors.ConfigKeyReadOnly(id),
        _ => null,
    };

    private Task<(AccessFields? Fields, GatewayError? Error)> ReadAsync(HttpContext context, string[] allowed) =>
        AdminFields.ReadAsync(context, budget, allowed, catalog, time);

    // Under the change lock: the snapshot is the store's latest state, so these checks hold until the write.
    private GatewayError? CheckReferences(StoredKey key, AccessFields fields)
    {
        if (fields.Name.Present && directory.Keys.FirstOrDefault(other => other.Name == key.Name && other.Id != key.Id) is { } holder)
        {
            return holder.FromConfigFile ? AdminErrors.ConfigKeyNameTaken(key.Name) : AdminErrors.NameTaken("key", key.Name);
        }
        return fields.Team.Present && key.TeamId is { } teamId && directory.FindTeam(teamId) is null ? AdminErrors.TeamNotFound(teamId) : null;
    }
}
