using System.IO.Pipelines;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The events of a background response to stream to a client: its run's log in this process, a replay of what the store
/// kept, or a run on another instance followed through Redis (<see cref="SharedRunFeed"/>).
/// </summary>
internal interface IEventFeed
{
    /// <summary>Writes the events after <paramref name="startingAfter"/> (-1: all), then each new one as it comes, until the run ends.</summary>
    Task CopyToAsync(PipeWriter output, int startingAfter, CancellationToken cancellationToken);
}
