namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>One background response being run: its id and owner, the events it has written, and how to stop it.</summary>
/// <param name="shared">Its registration in Redis, which other instances follow and cancel it through; null: this process only.</param>
internal sealed class BackgroundJob(string id, string owner, SharedRun? shared = null)
{
    public string Id { get; } = id;

    public string Owner { get; } = owner;

    public ResponseEventLog Log { get; } = new(shared is null ? null : shared.Push);

    public SharedRun? Shared { get; } = shared;

    /// <summary>Cancelled by <c>POST /v1/responses/{id}/cancel</c> or at shutdown: the run's provider request is aborted.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>The run; completes once its final state is stored.</summary>
    public Task Run { get; set; } = Task.CompletedTask;

    /// <summary>The exchange the run answers, once its request was read: what a cancelled response is stored from.</summary>
    public ResponsesExchange? Exchange { get; set; }
}
