using Microsoft.AspNetCore.Http.Features;
using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Routing;

namespace LlmProxy.Inbound;

/// <summary>The pipeline's accounts: the limits a request passes at admission, and its one ledger record at the end.</summary>
internal sealed partial class InboundPipeline
{
    private RequestAccount Open(HttpContext context, IInboundDialect dialect, long started)
    {
        var account = new RequestAccount(context.Features.GetRequiredFeature<ClientKey>(), dialect.NativeFormat, started, time.GetUtcNow());
        context.Features.Set(account);
        return account;
    }

    /// <summary>
    /// Step 4b: the key's and its team's limits. The request reserves its estimated tokens and cost (only worked out when
    /// a tokens limit or a budget needs them); the rate-limit headers go on the answer whatever it is. Null when admitted.
    /// Token counting takes a request slot but reserves nothing: it is not billed.
    /// </summary>
    private async ValueTask<GatewayError?> LimitAsync(HttpContext context, IInboundDialect dialect, RequestBody body, ModelRoute route, RequestAccount account)
    {
        var key = account.Key;
        var needsEstimate = dialect.NativeFormat != WireFormat.AnthropicCountTokens
            && (NeedsEstimate(key.Limits) || (key.Team is { } team && NeedsEstimate(team.Limits)));
        // Embeddings answer no tokens of their own: only their input is reserved.
        var outputTokens = dialect.NativeFormat == WireFormat.OpenAIEmbeddings ? 0 : usageOptions.ReserveOutputTokens;
        var reservation = needsEstimate ? TokenReservation.Of(body.Memory.Span, route, outputTokens) : default;
        var admission = await limiter.AdmitAsync(key, reservation, context.RequestAborted);
        account.Admission = admission;
        account.Admitted = admission.Refusal is null;
        RateLimitHeaders.Set(context.Response, admission, time.GetUtcNow(),
            dialect.NativeFormat is WireFormat.AnthropicMessages or WireFormat.AnthropicCountTokens);
        return admission.Refusal;

        static bool NeedsEstimate(AccessLimits limits) => limits.Tpm is not null || limits.BudgetUsd is not null;
    }

    /// <summary>
    /// Step 8: the request's one ledger record, and its reservation settled with what it used. A failing recorder loses
    /// the record (logged), never the client's answer.
    /// </summary>
    private void Close(HttpContext context, RequestAccount account)
    {
        if (context.Features.Get<RequestAccount>() != account)
        {
            return; // handed to a background run, which closes it
        }
        var clientGone = context.RequestAborted.IsCancellationRequested;
        // A client that left before any answer got none: 499 (nginx's "client closed request"), not the 200 never sent.
        var record = account.Close(clientGone && !context.Response.HasStarted ? 499 : context.Response.StatusCode, clientGone);
        limiter.Settle(account.Admission, record.Tokens.TotalTokens, record.CostPicoUsd);
        try
        {
            usageRecorder.Record(record);
        }
        catch (Exception e)
        {
            LogUsageLost(logger, record.Model, record.Provider ?? "(none)", e);
        }
    }

    private static string ErrorClassOf(ProviderErrorKind kind) => kind switch
    {
        ProviderErrorKind.Connect => "upstream_connect",
        ProviderErrorKind.Timeout => "upstream_timeout",
        ProviderErrorKind.UpstreamStatus => "upstream_error",
        ProviderErrorKind.Truncated => "upstream_truncated",
        ProviderErrorKind.InvalidResponse => "upstream_invalid_response",
        ProviderErrorKind.Canceled => "canceled",
        ProviderErrorKind.ShuttingDown => "draining",
        ProviderErrorKind.Unsupported => "unsupported",
        _ => kind.ToString(),
    };
}
