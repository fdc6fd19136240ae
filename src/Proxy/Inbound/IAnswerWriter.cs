using LlmProxy.Canonical;

namespace LlmProxy.Inbound;

/// <summary>A dialect's writer for a translated answer: it receives canonical events, then completes or fails in its own format.</summary>
internal interface IAnswerWriter : IStreamEventSink
{
    /// <summary>The usage the provider reported, once it has.</summary>
    TokenUsage? Usage { get; }

    /// <summary>When the answer's first bytes were written (a Stopwatch timestamp); 0 for answers written whole at the end.</summary>
    long OpenedTimestamp { get; }

    /// <summary>
    /// The events that follow answer choice <paramref name="index"/> (1, 2, ...: choice 0 needs no call), for a request
    /// with <see cref="ChatRequest.MoreChoices"/>; only a dialect that reads such requests writes several choices.
    /// </summary>
    void BeginChoice(int index)
    {
    }

    /// <summary>Ends a successful answer (a stream's terminator, or the whole JSON body).</summary>
    Task CompleteAsync(CancellationToken cancellationToken);

    /// <summary>Ends an answer whose response has already started with an error in the dialect's stream format.</summary>
    Task FailAsync(GatewayError error, CancellationToken cancellationToken);
}
