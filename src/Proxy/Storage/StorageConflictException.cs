namespace LlmProxy.Storage;

/// <summary>
/// A write the store refused because it would break a rule of its data: a name already taken, a team that does not
/// exist or still has keys. Nothing of the write was applied. <see cref="Field"/> names the field at fault
/// (<c>name</c>, <c>team</c>), for a 400 that says which.
/// </summary>
internal sealed class StorageConflictException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
