using System.Buffers;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Observability;
using LlmProxy.Providers;
using LlmProxy.Routing;
using LlmProxy.Usage;

namespace LlmProxy.Inbound;

/// <summary>
/// The one orchestrator of a proxied request, whatever the dialect: authenticate, read, route, call, write.
/// Read it top to bottom; each step is marked.
/// </summary>
internal sealed partial class InboundPipeline(
    ModelCatalog catalog,
    ServerOptions server,
    TimeProvider time,
    ProviderServices upstream,
    IUsageRecorder usageRecorder,
    IRequestLimiter limiter,
    UsageOptions usageOptions,
    BodyBudget bodies,
    ProxyMetrics metrics,
    RequestObserver observer,
    ProxyTracing tracing,
    ILogger<InboundPipeline> logger)
{
    public async Task HandleAsync(HttpContext context, IInboundDialect dialect)
    {
        var started = Stopwatch.GetTimestamp();
        // A background run continues the account of the POST that queued it: admitted and limited once, recorded once.
        var account = context.Features.Get<RequestAccount>() ?? Open(context, dialect, started);
        using var span = tracing.StartRequest(context);
        try
        {
            var admission = await AdmitAsync(context, dialect, account);
            if (admission is not var (body, envelope, route, key))
            {
                return;
            }
            using (body)
            {
                // Step 5: the deployments in the route's strategy order, each with its retries, until one answers or a failure may not be retried.
                metrics.Serving(envelope.Stream);
                try
                {
                    await ServeAsync(context, dialect, body, envelope, route, key, account, started);
                }
                finally
                {
                    metrics.Served(envelope.Stream);
                }
                account.EstimateUnreported(body.Memory.Span); // while the body is at hand, for the estimate its record may need
            }
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            account.Crashed(e); // ErrorHandling answers 500 (503 for the database away) once this unwinds; the record must say so, not 200
            throw;
        }
        finally
        {
            Close(context, account);
            ProxyTracing.EndRequest(span, account.Record);
        }
    }

    /// <summary>
    /// Token counting (Anthropic's count_tokens): answered by the first deployment whose provider counts in this
    /// format natively, else estimated from the canonical request, since counting must not cost a completion.
    /// </summary>
    public async Task HandleCountAsync(HttpContext context, IInboundDialect dialect)
    {
        var started = Stopwatch.GetTimestamp();
        var account = Open(context, dialect, started);
        try
        {
            await CountAsync(context, dialect, account, started);
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            account.Crashed(e);
            throw;
        }
        finally
        {
            Close(context, account);
        }
    }

    private async Task CountAsync(HttpContext context, IInboundDialect dialect, RequestAccount account, long started)
    {
        var admission = await AdmitAsync(context, dialect, account);
        if (admission is not var (body, envelope, route, _))
        {
            return;
        }
        using (body)
        {
            foreach (var deployment in route.Deployments)
            {
                if (deployment.Provider is INativeWireProvider native && native.Speaks(dialect.NativeFormat))
                {
                    account.Gate = new AnswerGate(context, started);
                    var (_, error, _, _) = await PassThroughAsync(context, dialect, native, deployment, body, envelope, account.Gate, 1,
                        context.RequestAborted);
                    // Counting tokens is free: the attempt is accounted for, its count is not usage.
                    account.Attempted(deployment, null, served: error is null);
                    if (error is not null && error.Kind != ProviderErrorKind.Canceled && !context.Response.HasStarted)
                    {
                        await dialect.WriteErrorAsync(context.Response, GatewayErrors.FromProvider(error, deployment.Name));
                    }
                    return;
                }
            }
            var (canonical, readError) = await dialect.ReadCanonicalAsync(context, body.Memory);
            if (canonical is null)
            {
                await dialect.WriteErrorAsync(context.Response, readError!);
                return;
            }
            var writer = dialect.CreateAnswerWriter(context, envelope, claim: null);
            writer.ReportUsage(new TokenUsage(TokenEstimate.Of(canonical), 0));
            await writer.CompleteAsync(context.RequestAborted);
        }
    }

    /// <summary>
    /// Steps 1 to 4, which every request passes before any provider is called; null when an error answer was written.
    /// A ValueTask: for a small body that has already arrived, admission completes synchronously and allocates nothing.
    /// </summary>
    private async ValueTask<(RequestBody Body, RequestEnvelope Envelope, ModelRoute Route, ClientKey Key)?> AdmitAsync(HttpContext context,
        IInboundDialect dialect, RequestAccount account)
    {
        // Step 1: the caller. ClientAuthentication has already turned away every /v1 request without a valid key.
        var key = account.Key;

        // Step 2: the body, whole but capped: the model inside it decides the route.
        var (body, bodyError) = await RequestBody.ReadAsync(context.Request, server.MaxBodyBytes, bodies, context.RequestAborted);
        if (body is null)
        {
            await dialect.WriteErrorAsync(context.Response, bodyError!);
            return null;
        }

        // From here the pooled body is this method's to give back until it is returned: on every answer, and on a throw.
        try
        {
            // Step 3: the envelope: model, stream, usage; this pass also rejects malformed JSON. And the client headers the
            // dialect forwards.
            if (!dialect.TryReadEnvelope(body.Memory, out var envelope, out var envelopeError) || (envelopeError = dialect.CheckHeaders(context.Request)) is not null)
            {
                body.Dispose();
                await dialect.WriteErrorAsync(context.Response, envelopeError!);
                return null;
            }

            // Step 4: the route, whether this key (and its team) may take it now, and any stored state the dialect needs for the request.
            var route = catalog.Find(envelope.ModelUtf8.Span);
            // A name that is no alias is the client's: kept for the ledger and the access log, but not at any length.
            account.Model = route?.Alias ?? Encoding.UTF8.GetString(envelope.ModelUtf8.Span[..Math.Min(envelope.ModelUtf8.Length, RequestAccount.MaxModelBytes)]);
            account.Stream = envelope.Stream;
            GatewayError? refusal = null;
            if (route is null || route is { Config.Wildcard: true, Pattern: null })
            {
                route = null; // the wildcard itself names no model
                var name = ErrorText.Quote(envelope.ModelUtf8.Span);
                refusal = GatewayError.BadRequest(
                    $"The model '{name}' does not exist on this proxy; GET /v1/models lists the models you can use.", "model", "model_not_found");
            }
            else if (!key.Models.Allows(route.Alias))
            {
                refusal = new GatewayError(403, ErrorKind.PermissionDenied, $"This key may not use the model '{route.Alias}'.", "model_not_allowed", "model");
            }
            else if (key.Team is { } team && !team.Models.Allows(route.Alias))
            {
                refusal = new GatewayError(403, ErrorKind.PermissionDenied, $"This key's team '{team.Name}' may not use the model '{route.Alias}'.",
                    "model_not_allowed", "model");
            }
            else if (!account.Admitted)
            {
                refusal = await LimitAsync(context, dialect, body, route, account);
            }
            if (refusal is not null)
            {
                body.Dispose();
                account.ErrorClass = refusal.Code;
                await dialect.WriteErrorAsync(context.Response, refusal);
                return null;
            }
            route = catalog.Keep(route!); // admitted: a name a wildcard matched keeps its route, and its deployments' health
            if (!await dialect.PrepareAsync(context, body.Memory))
            {
                body.Dispose();
                return null;
            }
            return (body, envelope, route!, key);
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    private async Task ServeAsync(HttpContext context, IInboundDialect dialect, RequestBody body, RequestEnvelope envelope,
        ModelRoute route, ClientKey key, RequestAccount account, long started)
    {
        account.Gate = new AnswerGate(context, started);
        var request = new Attempts(context, dialect, body, envelope, route, key, account.Gate) { Account = account };
        var deployments = route.Deployments;
        var order = ArrayPool<int>.Shared.Rent(deployments.Count);
        try
        {
            route.Order.Fill(order.AsSpan(0, deployments.Count), Random.Shared);
            var next = 0;
            if (route.Config.HedgeAfterMs is { } hedgeAfterMs && deployments.Count > 1)
            {
                var (outcome, tried) = await HedgeAsync(request, order, hedgeAfterMs);
                if (outcome is not Outcome.Failed)
                {
                    return;
                }
                if (request.Failures is [.., var (_, last)] && !last.IsRetryable && last.Kind != ProviderErrorKind.Unsupported)
                {
                    await WriteFailureAsync(request);
                    return;
                }
                next = tried;
            }
            // Two passes: the deployments that are not cooling down; and, only when every one of them was, all of them
            // anyway, since a cooldown must not turn a partial outage into a refusal.
            for (var pass = 0; pass < 2 && !OutOfTime(); pass++)
            {
                if (pass == 1 && request.Count > 0)
                {
                    break;
                }
                for (var k = pass == 0 ? next : 0; k < deployments.Count && !OutOfTime(); k++)
                {
                    var deployment = deployments[order[k]];
                    for (var retry = 0; retry <= deployment.Config.Retries && !OutOfTime(); retry++)
                    {
                        if (retry > 0 && !await WaitBeforeRetryAsync(retry, request.Failures![^1].Error, route.Policy, started, context.RequestAborted))
                        {
                            if (upstream.Shutdown.IsCancellationRequested)
                            {
                                // The drain ran out while this request waited to retry: it ends now, as the client's dialect says.
                                request.Fail(deployment.Name, ProviderError.ShuttingDown);
                                await WriteFailureAsync(request);
                                return;
                            }
                            break;
                        }
                        if (pass == 0 && !deployment.Health.TryAdmit())
                        {
                            break;
                        }
                        if (pass == 1)
                        {
                            deployment.Health.Force();
                        }
                        if (request.Failures is [.., var (_, before)])
                        {
                            if (retry > 0)
                            {
                                metrics.Retry(route.Label, ErrorClassOf(before.Kind));
                            }
                            else
                            {
                                metrics.Fallback(route.Label, ErrorClassOf(before.Kind));
                            }
                        }
                        var outcome = await AttemptAsync(request, deployment, request.Next(), context.RequestAborted);
                        if (outcome is not Outcome.Failed)
                        {
                            return;
                        }
                        var failure = request.Failures![^1].Error;
                        if (failure.Kind == ProviderErrorKind.Unsupported)
                        {
                            break; // this provider cannot carry the request; another deployment's may.
                        }
                        if (!failure.IsRetryable)
                        {
                            await WriteFailureAsync(request);
                            return;
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            LogClientGone(logger, route.Alias, "(waiting to retry)");
            return;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(order);
        }
        await WriteFailureAsync(request);

        // deadlineMs bounds the trying: once it has passed, no retry and no next deployment starts.
        bool OutOfTime() => request.Count > 0 && Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(route.Policy.DeadlineMs);
    }

    /// <summary>
    /// Hedging: the first deployment starts; when it has sent no content after <c>hedgeAfterMs</c>, the next one
    /// starts too, and the first to have content answers while the other is cancelled (its provider request aborted).
    /// Returns how it ended and how many deployments of the order it used; when both fail, the caller goes on from there.
    /// </summary>
    private async Task<(Outcome Outcome, int Tried)> HedgeAsync(Attempts request, int[] order, int hedgeAfterMs)
    {
        var deployments = request.Route.Deployments;
        var k = 0;
        var first = NextAdmitted(deployments, order, ref k);
        if (first is null)
        {
            return (Outcome.Failed, 0);
        }
        using var firstCancel = CancellationTokenSource.CreateLinkedTokenSource(request.Context.RequestAborted);
        var firstAttempt = request.Next();
        request.Gate.Register(firstAttempt, firstCancel);
        var running = new List<Task<Outcome>>(2) { AttemptAsync(request, first, firstAttempt, firstCancel.Token) };
        CancellationTokenSource? secondCancel = null;
        try
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(request.Context.RequestAborted);
            var hedge = Task.Delay(TimeSpan.FromMilliseconds(hedgeAfterMs), time, timer.Token);
            if (await Task.WhenAny(running[0], hedge) == hedge && !request.Context.RequestAborted.IsCancellationRequested && !request.Gate.IsClaimed &&
                NextAdmitted(deployments, order, ref k) is { } second)
            {
                secondCancel = CancellationTokenSource.CreateLinkedTokenSource(request.Context.RequestAborted);
                metrics.Hedge(request.Route.Label);
                var secondAttempt = request.Next();
                request.Gate.Register(secondAttempt, secondCancel);
                running.Add(AttemptAsync(request, second, secondAttempt, secondCancel.Token));
            }
            timer.Cancel();
            var result = Outcome.Failed;
            while (running.Count > 0)
            {
                var done = await Task.WhenAny(running);
                running.Remove(done);
                var outcome = await done;
                if (outcome is Outcome.Served or Outcome.ClientGone or Outcome.Ended)
                {
                    result = outcome;
                }
            }
            return (result, k);
        }
        catch (OperationCanceledException) when (request.Context.RequestAborted.IsCancellationRequested)
        {
            await Task.WhenAll(running);
            return (Outcome.ClientGone, k);
        }
        catch
        {
            // One attempt threw: the other must not outlive the request, reading its pooled body or claiming its response.
            await firstCancel.CancelAsync();
            if (secondCancel is not null)
            {
                await secondCancel.CancelAsync();
            }
            await ((Task)Task.WhenAll(running)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        finally
        {
            secondCancel?.Dispose();
        }
    }

    private static Deployment? NextAdmitted(IReadOnlyList<Deployment> deployments, int[] order, ref int k)
    {
        while (k < deployments.Count)
        {
            var deployment = deployments[order[k++]];
            if (deployment.Health.TryAdmit())
            {
                return deployment;
            }
        }
        return null;
    }

    /// <summary>One attempt on an admitted deployment, accounted for (usage, health, failures); says what the caller does next.</summary>
    private async Task<Outcome> AttemptAsync(Attempts request, Deployment deployment, int attempt, CancellationToken cancellationToken)
    {
        var (context, dialect, route) = (request.Context, request.Dialect, request.Route);
        var attemptStarted = Stopwatch.GetTimestamp();
        using var span = tracing.StartAttempt(deployment, attempt);
        TokenUsage? usage;
        ProviderError? error;
        long firstByte, estimatedOutput;
        try
        {
            if (deployment.Provider is INativeWireProvider native && native.Speaks(dialect.NativeFormat) && dialect.MayPassThrough(native))
            {
                (usage, error, firstByte, estimatedOutput) = await PassThroughAsync(context, dialect, native, deployment, request.Body, request.Envelope, request.Gate,
                    attempt, cancellationToken);
            }
            else if (dialect is IEmbeddingsDialect embeddings)
            {
                estimatedOutput = 0;
                (usage, error, firstByte) = deployment.Provider is IEmbeddingsProvider embedder
                    ? await embeddings.EmbedAsync(context, embedder, deployment.Target, request.Body.Memory, request.Envelope,
                        new AnswerClaim(request.Gate, attempt, deployment.Name, 0), cancellationToken)
                    : (null, new ProviderError(ProviderErrorKind.Unsupported, $"provider type '{deployment.Provider.Config.Type}' has no embeddings API"), 0);
            }
            else if (deployment.Provider is ICanonicalChatProvider translated)
            {
                if ((request.Canonical ??= await ReadCanonicalAsync(context, dialect, request.Body, route)) is not { } canonical)
                {
                    deployment.Health.Released();
                    return Outcome.Ended; // not a readable chat request: the dialect has answered 400.
                }
                (usage, error, firstByte, estimatedOutput) = await TranslateAsync(context, dialect, translated, deployment, canonical, request.Envelope, request.Gate,
                    attempt, cancellationToken);
            }
            else
            {
                (usage, error, firstByte, estimatedOutput) = (null, new ProviderError(ProviderErrorKind.InvalidResponse,
                    $"provider type '{deployment.Provider.Config.Type}' cannot serve this API"), 0, 0);
            }
        }
        catch
        {
            // Whatever threw, wherever, the admission and any half-open probe go back: one bad request must not leave a
            // deployment counted busy for ever, or stuck half open and never tried again.
            deployment.Health.Released();
            throw;
        }

        // Step 6: account for what was served, even when a stream broke after its first bytes.
        ProxyTracing.EndAttempt(span, deployment, usage, error is null ? null : ErrorClassOf(error.Kind));
        observer.Attempted(request.Account!, route.Label, deployment, error is null ? AttemptEnd.Ok : ErrorClassOf(error.Kind));
        if (error is null)
        {
            deployment.Health.Succeeded(Stopwatch.GetElapsedTime(attemptStarted, firstByte == 0 ? Stopwatch.GetTimestamp() : firstByte));
            Record(request, deployment, usage, estimatedOutput, served: true);
            return Outcome.Served;
        }
        Record(request, deployment, usage, estimatedOutput, served: false);
        if (error.Kind == ProviderErrorKind.Canceled)
        {
            deployment.Health.Released();
            if (context.RequestAborted.IsCancellationRequested)
            {
                LogClientGone(logger, route.Alias, deployment.Name);
                return Outcome.ClientGone;
            }
            return Outcome.Failed; // a hedge another attempt won
        }
        if (error.Kind == ProviderErrorKind.ShuttingDown)
        {
            deployment.Health.Released(); // the proxy cut it: no fault of the deployment's
        }
        else
        {
            deployment.Health.Failed(error);
        }
        if (error.Kind == ProviderErrorKind.Unsupported)
        {
            LogCannotCarry(logger, deployment.Name, error.Message); // the request's content, not the deployment, is at fault.
        }
        else if (error.Kind != ProviderErrorKind.ShuttingDown)
        {
            LogAttemptFailed(logger, deployment.Name, error.Kind, error.Status, error.Message);
        }
        if (context.Response.HasStarted)
        {
            request.Account!.ErrorClass = ErrorClassOf(error.Kind);
            return Outcome.Ended; // the answer already began: the dialect ended it with an in-stream error.
        }
        request.Fail(deployment.Name, error);
        return Outcome.Failed;
    }

    // Usage is recorded even when a stream broke after its first bytes: what was served was served.
    private static void Record(Attempts request, Deployment deployment, TokenUsage? usage, long estimatedOutput, bool served) =>
        request.Account!.Attempted(deployment, usage, served, estimatedOutput);

    // Step 7: nobody served. One failure speaks for itself, as does a client error; several are summarised, and so is a
    // provider that could not carry the request after others failed in ways worth retrying.
    private static Task WriteFailureAsync(Attempts request)
    {
        var failures = request.Failures!;
        var last = failures[^1];
        var speaksForItself = failures.Count == 1
            || (!last.Error.IsRetryable && (last.Error.Kind != ProviderErrorKind.Unsupported || !AnyRetryable(failures)));
        var gatewayError = speaksForItself ? GatewayErrors.FromProvider(last.Error, last.Deployment) : GatewayErrors.AllFailed(failures);
        request.Account!.ErrorClass = gatewayError.Code ?? ErrorClassOf(last.Error.Kind);
        return request.Dialect.WriteErrorAsync(request.Context.Response, gatewayError);
    }

    private static bool AnyRetryable(List<(string Deployment, ProviderError Error)> failures)
    {
        foreach (var (_, error) in failures)
        {
            if (error.IsRetryable)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Waits before retrying a deployment (backoff with jitter, or the provider's Retry-After); false when that would pass
    /// the request's deadline, or when the proxy's drain runs out meanwhile (<see cref="ProviderServices.Shutdown"/>).
    /// </summary>
    private async Task<bool> WaitBeforeRetryAsync(int retry, ProviderError last, RoutingDefaults policy, long started, CancellationToken cancellationToken)
    {
        var delay = RetryBackoff.Delay(retry, last.RetryAfter, policy, Random.Shared);
        if (Stopwatch.GetElapsedTime(started) + delay > TimeSpan.FromMilliseconds(policy.DeadlineMs) || upstream.Shutdown.IsCancellationRequested)
        {
            return false;
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, upstream.Shutdown);
        try
        {
            await Task.Delay(delay, time, wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        return true;
    }

    /// <summary>How an attempt ended, for the loop that makes attempts.</summary>
    private enum Outcome
    {
        Served,
        Failed,
        ClientGone,
        /// <summary>The request is answered (an error written, or a stream ended in-stream): nothing more to try.</summary>
        Ended,
    }

    /// <summary>The canonical request, read once when a deployment needs translation; null after answering 400.</summary>
    private async Task<ChatRequest?> ReadCanonicalAsync(HttpContext context, IInboundDialect dialect, RequestBody body, ModelRoute route)
    {
        var (canonical, readError) = await dialect.ReadCanonicalAsync(context, body.Memory);
        if (canonical is null)
        {
            await dialect.WriteErrorAsync(context.Response, readError!);
            return null;
        }
        if (canonical.Ignored is { } ignored && logger.IsEnabled(LogLevel.Debug))
        {
            LogIgnored(logger, route.Alias, string.Join(", ", ignored));
        }
        return canonical;
    }

    private async Task<(TokenUsage?, ProviderError?, long FirstByte, long EstimatedOutput)> PassThroughAsync(HttpContext context, IInboundDialect dialect,
        INativeWireProvider provider, Deployment deployment, RequestBody body, RequestEnvelope envelope, AnswerGate gate, int attempt,
        CancellationToken cancellationToken)
    {
        using var request = provider.CreateRequest(dialect.NativeFormat, deployment.ProviderModel);
        dialect.ForwardHeaders(context.Request, request);
        request.Content = new UpstreamJsonContent(body.Memory,
            new BodySplice(envelope.ModelTokenOffset, envelope.ModelTokenLength, deployment.ModelJson), envelope.ExtraSplice);
        var (call, error) = await UpstreamCall.SendAsync(upstream, request, deployment.Timeouts, envelope.Stream, cancellationToken);
        using (call)
        {
            if (error is not null)
            {
                return (null, error, 0, 0);
            }
            if (!UpstreamCall.IsSuccess(call.Response!.StatusCode))
            {
                return (null, await call.ReadErrorAsync(provider), 0, 0);
            }
            var headersAt = Stopwatch.GetTimestamp();
            var result = await dialect.RelayAsync(context, call, envelope, new AnswerClaim(gate, attempt, deployment.Name, call.HeadersElapsedTicks), provider);
            return (result.Usage, result.Error, headersAt, result.EstimatedOutputTokens);
        }
    }

    private static async Task<(TokenUsage?, ProviderError?, long FirstByte, long EstimatedOutput)> TranslateAsync(HttpContext context, IInboundDialect dialect,
        ICanonicalChatProvider provider, Deployment deployment, ChatRequest request, RequestEnvelope envelope, AnswerGate gate, int attempt,
        CancellationToken cancellationToken)
    {
        var claim = new AnswerClaim(gate, attempt, deployment.Name, 0);
        var writer = dialect.CreateAnswerWriter(context, envelope, claim);
        // Parts the provider cannot carry are refused before anything is sent; ids and names are made ones it accepts.
        var tally = new OutputTally(writer, claim);
        var (carried, sink, refusal) = provider.Rules.Apply(request, tally, provider.Config);
        var error = refusal ?? await provider.ChatAsync(carried, deployment.Target, sink, cancellationToken);
        // Further choices (legacy Completions' prompts, n): one call each, into the same answer, in order.
        for (var k = 0; error is null && k < (carried.MoreChoices?.Count ?? 0); k++)
        {
            writer.BeginChoice(k + 1);
            error = await provider.ChatAsync(carried with { Messages = carried.MoreChoices![k], MoreChoices = null }, deployment.Target, sink, cancellationToken);
        }
        try
        {
            if (error is null)
            {
                await writer.CompleteAsync(cancellationToken);
            }
            else if (context.Response.HasStarted && error.Kind != ProviderErrorKind.Canceled)
            {
                await writer.FailAsync(GatewayErrors.FromProvider(error, deployment.Name), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            error = ProviderError.Canceled;
        }
        return (writer.Usage, error, writer.OpenedTimestamp, tally.EstimatedTokens);
    }

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "{Model}: parameters with no equivalent for a translating provider were dropped: {Parameters}")]
    private static partial void LogIgnored(ILogger logger, string model, string parameters);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "client closed the request for {Model} served by {Deployment}")]
    private static partial void LogClientGone(ILogger logger, string model, string deployment);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "the usage of a {Model} request served by {Deployment} could not be recorded")]
    private static partial void LogUsageLost(ILogger logger, string model, string deployment, Exception exception);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "deployment {Deployment} cannot carry the request: {Reason}")]
    private static partial void LogCannotCarry(ILogger logger, string deployment, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "deployment {Deployment} failed: {Kind} {Status} {Reason}")]
    private static partial void LogAttemptFailed(ILogger logger, string deployment, ProviderErrorKind kind, int status, string reason);
}
