using System.Diagnostics;
using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Observability;
using LlmProxy.Providers;
using LlmProxy.Routing;
using LlmProxy.Usage;

namespace LlmProxy.Inbound;

/// <summary>
/// The accounts of one proxied request, from admission to its end: the limits it reserved, every attempt's usage and
/// cost, how it ended. It becomes the request's one ledger record and settles its reservation. It lives on the
/// request's features, and whichever context holds it closes it: a background response moves its POST's account to its
/// run's context, so the run is admitted once and recorded once.
/// Attempts may report at once (hedging): additions lock.
/// </summary>
internal sealed class RequestAccount(ClientKey key, WireFormat api, long started, DateTimeOffset arrived)
{
    private readonly Lock _lock = new();
    private TokenUsage _usage;
    private long _costPicoUsd;
    private bool _hasUsage;
    private Deployment? _deployment;
    private int _attempts;
    private long? _estimatedInput;
    private long _estimatedOutput;
    private bool _outputEstimated;
    private int _crashStatus; // 0: it did not throw
    private bool _served;
    private AttemptEnd? _heldAttempt;
    private bool _attemptTaken;

    /// <summary>The caller.</summary>
    public ClientKey Key { get; } = key;

    /// <summary>What the limits admitted and reserved; settled once, when the request ends.</summary>
    public Admission Admission { get; set; } = Admission.Unlimited;

    /// <summary>How much of a model name that is no alias is kept: enough for any real model id.</summary>
    public const int MaxModelBytes = 256;

    /// <summary>The alias, or the model as the client sent it when it names none (its first <see cref="MaxModelBytes"/> bytes; empty before the body was read).</summary>
    public string Model { get; set; } = "";

    /// <summary>Whether the client asked for a stream.</summary>
    public bool Stream { get; set; }

    /// <summary>The code of the error the proxy answered with, when it knows it (its own refusals, provider failures).</summary>
    public string? ErrorClass { get; set; }

    /// <summary>The gate of the attempts, for when the answer started and the proxy's overhead.</summary>
    public AnswerGate? Gate { get; set; }

    /// <summary>The ledger record, once <see cref="Close"/> made it (for the metrics and the access log).</summary>
    public UsageRecord? Record { get; private set; }

    /// <summary>Whether the limits have admitted the request (a background run's account was admitted by its POST).</summary>
    public bool Admitted { get; set; }

    /// <summary>
    /// Holds <paramref name="attempt"/> for the request's own observation, when none is held and the request's was not
    /// made yet (true); false: the caller reports it on its own.
    /// </summary>
    public bool TryHoldAttempt(AttemptEnd attempt)
    {
        lock (_lock)
        {
            if (_attemptTaken || _heldAttempt is not null)
            {
                return false;
            }
            _heldAttempt = attempt;
            return true;
        }
    }

    /// <summary>The held attempt, once (null when there is none): an attempt that ends later (a hedge's loser) is reported on its own.</summary>
    public AttemptEnd? TakeHeldAttempt()
    {
        lock (_lock)
        {
            var held = _heldAttempt;
            _heldAttempt = null;
            _attemptTaken = true;
            return held;
        }
    }

    /// <summary>
    /// The request threw <paramref name="exception"/> before its answer began: it ends as the error handler answers it,
    /// a 503 <c>storage_unavailable</c> when the database could not be reached, else a 500.
    /// </summary>
    public void Crashed(Exception exception)
    {
        var unavailable = Storage.StorageUnavailable.Is(exception);
        _crashStatus = unavailable ? 503 : 500;
        ErrorClass ??= unavailable ? "storage_unavailable" : "internal_error";
    }

    /// <summary>
    /// After the attempts: when a provider was reached and none reported usage (the client left first, or the provider
    /// reports none), the input is estimated from <paramref name="body"/> (unless admission already did), so the record
    /// can bill it. Scans the body only then.
    /// </summary>
    public void EstimateUnreported(ReadOnlySpan<byte> body)
    {
        lock (_lock)
        {
            if (!_hasUsage && _deployment is not null && Admission.Reservation.InputTokens == 0)
            {
                _estimatedInput = TokenReservation.Estimate(body).InputTokens;
            }
        }
    }

    /// <summary>
    /// One attempt's end on <paramref name="deployment"/>, with the usage its provider reported (null: none) and the
    /// output it relayed in estimated tokens (billed when no attempt reports usage). The record names the deployment that
    /// <paramref name="served"/> the answer (as <c>x-llm-proxy-deployment</c> does), else the last tried.
    /// </summary>
    public void Attempted(Deployment deployment, TokenUsage? usage, bool served, long estimatedOutput = 0)
    {
        lock (_lock)
        {
            _attempts++;
            _estimatedOutput += estimatedOutput;
            if (served || !_served)
            {
                _deployment = deployment;
                _served |= served;
            }
            if (usage is { } tokens)
            {
                // A stream cut short reported only its start (Anthropic's message_start: output 1): what it relayed since is output too.
                if (!served && estimatedOutput > tokens.OutputTokens)
                {
                    tokens = tokens with { OutputTokens = estimatedOutput };
                    _outputEstimated = true;
                }
                _hasUsage = true;
                _usage = new TokenUsage(_usage.InputTokens + tokens.InputTokens, _usage.OutputTokens + tokens.OutputTokens,
                    _usage.CachedInputTokens + tokens.CachedInputTokens, _usage.CacheWriteTokens + tokens.CacheWriteTokens,
                    _usage.ReasoningTokens + tokens.ReasoningTokens);
                _costPicoUsd = Pricing.Add(_costPicoUsd, Pricing.PicoUsd(tokens, deployment.Config.Price));
            }
        }
    }

    /// <summary>
    /// The ledger record of the request, now that it has ended with <paramref name="status"/>. A request that reached a
    /// provider that reported no usage (its client left first, the proxy's drain cut it, the provider broke its stream after
    /// content, or it reports none) is billed its estimated input and the output it relayed, as estimated (flagged): the
    /// provider has read the prompt and written at least that.
    /// </summary>
    private const string DrainingClass = "draining";

    public UsageRecord Close(int status, bool clientGone)
    {
        lock (_lock)
        {
            status = _crashStatus != 0 ? _crashStatus : status;
            var (usage, cost, estimated) = (_usage, _costPicoUsd, _outputEstimated);
            // Counting tokens is free, whatever its end. Billed as estimated: a provider that served, or whose answer had begun
            // reaching the client before it broke (a cut stream), or that the client or the proxy's drain left mid-answer.
            var answered = clientGone || _served || Gate is { IsClaimed: true } || ErrorClass == DrainingClass;
            if (!_hasUsage && answered && _deployment is { } reached && api != WireFormat.AnthropicCountTokens)
            {
                usage = new TokenUsage(_estimatedInput ?? Admission.Reservation.InputTokens, _estimatedOutput);
                cost = Pricing.PicoUsd(usage, reached.Config.Price);
                estimated = true;
            }
            var now = Stopwatch.GetTimestamp();
            var firstByte = Gate?.ClaimedAt ?? 0;
            return Record = new UsageRecord(
                arrived.ToUnixTimeMilliseconds(),
                Key.Id,
                Key.Name,
                Key.Team?.Id,
                Model,
                _deployment?.Provider.Config.Name,
                _deployment?.ProviderModel,
                ApiName(api),
                status,
                status >= 400 || ErrorClass is not null ? ErrorClass ?? StatusClass(status) : null,
                usage,
                cost,
                estimated,
                Stopwatch.GetElapsedTime(started, now).TotalMilliseconds,
                firstByte == 0 ? null : Stopwatch.GetElapsedTime(started, firstByte).TotalMilliseconds,
                Gate?.OverheadMs ?? Stopwatch.GetElapsedTime(started, now).TotalMilliseconds,
                _attempts,
                clientGone,
                Stream);
        }
    }

    private static string ApiName(WireFormat api) => api switch
    {
        WireFormat.OpenAIChatCompletions => "chat.completions",
        WireFormat.OpenAIResponses => "responses",
        WireFormat.OpenAIResponsesCompact => "responses.compact",
        WireFormat.AnthropicMessages => "messages",
        WireFormat.AnthropicCountTokens => "messages.count_tokens",
        WireFormat.OpenAIEmbeddings => "embeddings",
        WireFormat.OpenAICompletions => "completions",
        _ => api.ToString(), // a format added later is recorded by its enum name rather than failing the record
    };

    // When nothing more precise is known (a dialect wrote the error itself).
    private static string StatusClass(int status) => status switch
    {
        400 => "invalid_request",
        401 => "authentication",
        403 => "permission_denied",
        404 => "not_found",
        413 => "request_too_large",
        429 => "rate_limited",
        502 => "upstream_error",
        503 => "unavailable",
        504 => "timeout",
        _ => status >= 500 ? "internal_error" : "error",
    };
}
