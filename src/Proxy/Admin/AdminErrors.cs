using LlmProxy.Canonical;
using LlmProxy.Storage;

namespace LlmProxy.Admin;

/// <summary>
/// The admin API's errors, in OpenAI's envelope (the <see cref="Inbound.ErrorResponder"/> picks it for <c>/admin</c>).
/// A 400 about a field names it in <c>param</c> and in the message; its <c>code</c> says what kind of fault it is:
/// <c>invalid_json</c> (the body), <c>unknown_parameter</c>, <c>duplicate_parameter</c>, <c>invalid_type</c>,
/// <c>invalid_value</c>, <c>name_taken</c>, <c>team_not_found</c>, <c>team_not_empty</c>, <c>config_key_read_only</c>;
/// an unknown id is a 404 <c>not_found</c>. No message ever repeats a key's secret: none is ever read from a request.
/// </summary>
internal static class AdminErrors
{
    public static GatewayError InvalidJson(string message) => GatewayError.BadRequest(message, code: "invalid_json");

    public static GatewayError UnknownField(string field, IReadOnlyList<string> allowed) => GatewayError.BadRequest(
        $"Unknown field '{ErrorText.Quote(field)}'; this request takes {string.Join(", ", allowed)}.", ErrorText.Quote(field), "unknown_parameter");

    public static GatewayError UnknownParameter(string name, IReadOnlyList<string> allowed) => GatewayError.BadRequest(
        $"Unknown query parameter '{ErrorText.Quote(name)}': this route takes {string.Join(", ", allowed)}.", ErrorText.Quote(name), "unknown_parameter");

    public static GatewayError DuplicateField(string field) =>
        GatewayError.BadRequest($"'{ErrorText.Quote(field)}' appears twice; give each field once.", ErrorText.Quote(field), "duplicate_parameter");

    public static GatewayError WrongType(string field, string expected) =>
        GatewayError.BadRequest($"'{field}' must be {expected}.", field, "invalid_type");

    public static GatewayError InvalidValue(string field, string message) => GatewayError.BadRequest(message, field, "invalid_value");

    public static GatewayError NameTaken(string kind, string name) =>
        GatewayError.BadRequest($"'name': another {kind} is already named '{ErrorText.Quote(name)}'.", "name", "name_taken");

    public static GatewayError ConfigKeyNameTaken(string name) => GatewayError.BadRequest(
        $"'name': '{ErrorText.Quote(name)}' is the name of a key in the config file.", "name", "name_taken");

    public static GatewayError TeamNotFound(string teamId) =>
        GatewayError.BadRequest($"'team': there is no team with the id '{ErrorText.Quote(teamId)}' (a team is named by its id, team_...).", "team", "team_not_found");

    public static GatewayError TeamNotEmpty(string teamId) => GatewayError.BadRequest(
        $"Team '{ErrorText.Quote(teamId)}' still has keys; move them to another team or delete them first.", "team", "team_not_empty");

    public static GatewayError ConfigKeyReadOnly(string id) => GatewayError.BadRequest(
        $"Key '{ErrorText.Quote(id)}' comes from the config file and is read-only here; change it in the config file.", code: "config_key_read_only");

    public static GatewayError NotFound(string kind, string id) =>
        new(404, ErrorKind.NotFound, $"No {kind} with id '{ErrorText.Quote(id)}'.", "not_found");

    /// <summary>
    /// A change the store refused (another process's writer got there first, past the checks made on the snapshot): the
    /// field it names is the <c>param</c>, <paramref name="teamCode"/> the code when that is <c>team</c>; nothing of the
    /// change was applied.
    /// </summary>
    public static GatewayError Conflict(StorageConflictException e, string teamCode) => GatewayError.BadRequest(
        $"'{e.Field}': {e.Message}.", e.Field, e.Field == "name" ? "name_taken" : teamCode);
}
