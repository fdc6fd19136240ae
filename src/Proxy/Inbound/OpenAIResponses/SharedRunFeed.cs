using System.Buffers;
using System.IO.Pipelines;
using LlmProxy.Canonical;
using StackExchange.Redis;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The events of a background run on another instance, read from its list in Redis (<see cref="SharedRunScripts"/>): what
/// is there after <c>starting_after</c>, then each batch as the run announces it, until the end marker. A run whose
/// instance went away without ending it, or a Redis that stops answering, ends the stream with an <c>error</c> event
/// saying so, not as if it had ended: the client may cancel it, or resume with <c>starting_after</c>.
/// </summary>
internal sealed class SharedRunFeed(SharedBackgroundRuns runs, string id) : IEventFeed
{
    // Quiet polls between checks that the run's instance still lives: 8 × 250 ms, twice the instances' stamp interval.
    private const int PollsPerLivenessCheck = 8;

    private static readonly GatewayError InstanceGone = new(503, ErrorKind.Unavailable,
        "The instance running this background response stopped before the run ended: it will not end. Cancel it to store it as cancelled.",
        "run_interrupted");


    /// <inheritdoc />
    public async Task CopyToAsync(PipeWriter output, int startingAfter, CancellationToken cancellationToken)
    {
        long next = Math.Max(0, startingAfter + 1);
        var events = runs.EventsKey(id);
        using var wake = new RunSignal(runs, id);
        try
        {
            await wake.SubscribeAsync(); // before the first read, so nothing appended after it goes unannounced
            var quiet = 0;
            var gone = false;
            while (true)
            {
                var batch = await runs.Redis.GetDatabase().ListRangeAsync(events, next, -1);
                foreach (var sseEvent in batch)
                {
                    if (sseEvent.IsNullOrEmpty)
                    {
                        await output.FlushAsync(cancellationToken);
                        return; // the end marker: the terminal event came before it
                    }
                    output.Write(((ReadOnlyMemory<byte>)sseEvent).Span);
                    next++;
                }
                if (batch.Length > 0)
                {
                    quiet = 0;
                    await output.FlushAsync(cancellationToken);
                }
                else if (gone)
                {
                    ResponsesErrorEvent.Write(output, InstanceGone, Math.Max((int)next - 1, 0)); // no end will come; numbered as the last event sent
                    await output.FlushAsync(cancellationToken);
                    return;
                }
                else if (++quiet % PollsPerLivenessCheck == 0 && await runs.LocateAsync(id) is not (RunPlace.Elsewhere or RunPlace.Here))
                {
                    gone = true;
                    continue; // one more read: a run that just ended unregistered after its end marker
                }
                await wake.WaitAsync(SharedBackgroundRuns.Poll, cancellationToken);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            runs.Unreachable(e);
            // Not the run's: its number is the last event this client got (the run's next event has the next one), so a
            // client that resumes after the last number it saw misses nothing.
            var last = (int)next - 1;
            var resume = last >= 0 ? $"Resume with starting_after={last}" : "Retrieve it again with stream=true";
            ResponsesErrorEvent.Write(output, new GatewayError(503, ErrorKind.Unavailable,
                $"Following this background response from this instance stopped: Redis cannot be reached. {resume} once it is back.",
                "service_unavailable"), Math.Max(last, 0));
            await output.FlushAsync(cancellationToken);
        }
    }
}
