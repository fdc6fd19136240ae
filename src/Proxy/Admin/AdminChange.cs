using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Storage;

namespace LlmProxy.Admin;

/// <summary>
/// Runs one admin write through <see cref="AccessDirectory.ChangeAsync{T}"/>: changes run one at a time, each sees the
/// snapshot the previous one left (so its checks of names and teams are current), and the next request sees it. The
/// write returns its record or the error that stopped it before anything was written; a conflict the store found
/// itself (another process wrote the same file) becomes the 400 naming its field. A write, once started, is not
/// cancelled by the caller hanging up: it commits whole with its audit entry, or not at all.
/// </summary>
internal static class AdminChange
{
    public static async Task<(T? Value, GatewayError? Error)> RunAsync<T>(AccessDirectory directory, IAccessStore store, HttpContext context,
        string teamConflictCode, Func<Task<(T?, GatewayError?)>> write) where T : class
    {
        try
        {
            return await directory.ChangeAsync(store, write, context.RequestAborted);
        }
        catch (StorageConflictException e)
        {
            return (null, AdminErrors.Conflict(e, teamConflictCode));
        }
    }
}
