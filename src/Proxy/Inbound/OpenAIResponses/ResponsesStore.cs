using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Storage;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// What the Responses dialect needs of storage: saving an answered exchange, rebuilding the chain a
/// <c>previous_response_id</c> continues, and the key that seals reasoning (the configured one, else one generated once
/// and kept in the store, so sealed items stay readable across restarts and by every instance on the same store).
/// </summary>
/// <param name="bodies">The memory budget request bodies share; stored responses read back to answer a route count against
/// it too, so parallel reads of large ones wait or get 503 rather than exhaust memory. Null: not counted (tests).</param>
/// <param name="maxConversationBytes">The most stored bytes a <c>previous_response_id</c> chain may load for one request:
/// <c>server.maxBodyBytes</c>, since the rebuilt conversation is a request body like any other.</param>
internal sealed partial class ResponsesStore(IResponseStore store, TimeProvider time, int ttlDays, byte[]? configuredKey, ILogger<ResponsesStore> logger,
    BodyBudget? bodies = null, long maxConversationBytes = long.MaxValue) : IHostedService
{
    /// <summary>How many responses a <c>previous_response_id</c> chain may reach back; deeper conversations are refused, not walked for ever.</summary>
    public const int MaxChain = 1000;

    private Task<ReasoningSeal>? _seal;

    public IResponseStore Inner => store;

    public TimeProvider Time => time;

    /// <summary>The seal, loaded once; a load that failed (the store busy, say) is tried again by the next caller, never kept.</summary>
    public Task<ReasoningSeal> SealAsync(CancellationToken cancellationToken)
    {
        var seal = _seal;
        if (seal is null || seal.IsFaulted || seal.IsCanceled)
        {
            // Not the caller's token: one client hanging up must not fail the load every later request shares.
            _seal = seal = configuredKey is not null ? Task.FromResult(new ReasoningSeal(configuredKey)) : CreateSealAsync();
        }
        return seal.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Loads the seal at start-up, while the database is known to be up: a <c>store: false</c> request needs it, and
    /// then needs no database at all, so it is served through a later outage too. A load that fails here is retried by
    /// the first request that needs it.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SealAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSealNotLoaded(logger, e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "the reasoning seal could not be loaded at start-up ({Reason}); the first request that needs it tries again")]
    private static partial void LogSealNotLoaded(ILogger logger, string reason);

    private async Task<ReasoningSeal> CreateSealAsync() =>
        new(await store.GetOrCreateSecretAsync("responses.sealing_key", () => RandomNumberGenerator.GetBytes(32), CancellationToken.None));

    /// <summary>Saves the exchange's response, durably when the task completes.</summary>
    public async Task SaveAsync(ResponsesExchange exchange, string status, byte[] response, CancellationToken cancellationToken, byte[]? events = null)
    {
        await store.SaveAsync(new StoredResponse(exchange.Id, exchange.Owner, exchange.CreatedAt, exchange.CreatedAt + ttlDays * 86400L, status,
            exchange.PreviousResponseId, response, exchange.InputItems) { Events = events }, cancellationToken);
        exchange.Saved = (status, response);
    }

    /// <summary>As <see cref="SaveAsync"/>, but a store that fails is logged and answered false, for a caller that tells its client in-band.</summary>
    public async Task<bool> TrySaveAsync(ResponsesExchange exchange, string status, byte[] response, CancellationToken cancellationToken)
    {
        try
        {
            await SaveAsync(exchange, status, response, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSaveFailed(logger, exchange.Id, e);
            return false;
        }
    }

    /// <summary>
    /// A background response left <c>queued</c> or <c>in_progress</c> with no run behind it (the process that ran it
    /// stopped): stored as <c>cancelled</c>, its Response rewritten so; returns what is now stored.
    /// </summary>
    public async Task<byte[]> CancelOrphanAsync(StoredResponse stored, CancellationToken cancellationToken)
    {
        var response = System.Text.Json.Nodes.JsonNode.Parse(stored.Response, documentOptions: RawJson.DocumentOptions)!;
        response["status"] = "cancelled";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(stored.Response.Length + 16);
        using (var json = new Utf8JsonWriter(buffer))
        {
            response.WriteTo(json);
        }
        var rewritten = buffer.WrittenSpan.ToArray();
        await store.SaveAsync(stored with { Status = "cancelled", Response = rewritten }, cancellationToken);
        return rewritten;
    }

    /// <summary>
    /// Stores how a background run ended, with the events it streamed: as its writer left it (completed, incomplete,
    /// failed), else cancelled when it was stopped, else failed.
    /// </summary>
    public async Task FinishBackgroundAsync(BackgroundJob job, CancellationToken cancellationToken)
    {
        if (job.Exchange is not { } exchange)
        {
            return; // the run never read its request: the queued row stays as the front request stored it
        }
        if (exchange.Saved is ({ } status, { } response) && status is "completed" or "incomplete" or "failed")
        {
            await SaveAsync(exchange, status, response, cancellationToken, job.Log.ToArray());
            return;
        }
        var ended = job.Cancellation.IsCancellationRequested ? "cancelled" : "failed";
        var error = ended == "failed" ? new GatewayError(500, ErrorKind.Internal, "The background run ended without an answer.", "server_error") : null;
        var final = ResponseObjectWriter.Render(exchange, new ResponsesOutput(), ended, error, await SealAsync(cancellationToken));
        // Its followers, live or replaying later, get a terminal event rather than a stream that just stops. The streaming
        // reference names none for a cancellation: response.incomplete, whose Response says "cancelled", is the one an
        // SDK's stream helper ends on; a run that failed without saying so ends with response.failed.
        job.Log.Append(TerminalEvent(ended == "cancelled" ? "response.incomplete"u8 : "response.failed"u8, job.Log.Count, final));
        await SaveAsync(exchange, ended, final, cancellationToken, job.Log.ToArray());
    }

    private static byte[] TerminalEvent(ReadOnlySpan<byte> type, int sequenceNumber, byte[] response)
    {
        var buffer = new ArrayBufferWriter<byte>(response.Length + 128);
        buffer.Write("event: "u8);
        buffer.Write(type);
        buffer.Write("\ndata: "u8);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, type);
            json.WriteNumber("sequence_number"u8, sequenceNumber);
            json.WritePropertyName("response"u8);
            json.WriteRawValue(response, skipInputValidation: true);
            json.WriteEndObject();
        }
        buffer.Write("\n\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Keeps a copy of a response a provider answered natively (<paramref name="response"/>, its Response object as
    /// relayed), with the request's input items from <paramref name="body"/>, marked as held by <paramref name="provider"/>.
    /// The client has its answer already, so a store that fails loses the copy (logged), never the answer; and a copy
    /// that cannot be read as a Response is not kept.
    /// </summary>
    public async Task SaveNativeAsync(ResponsesExchange exchange, byte[] response, ReadOnlyMemory<byte> body, string provider, CancellationToken cancellationToken)
    {
        StoredResponse stored;
        try
        {
            using var answer = JsonDocument.Parse(response, RawJson.DocumentOptions);
            using var request = JsonDocument.Parse(body, RawJson.DocumentOptions);
            var root = answer.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                || !request.RootElement.TryGetProperty("input", out var input) || input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
            {
                return;
            }
            var created = root.TryGetProperty("created_at", out var at) && at.TryGetInt64(out var seconds) ? seconds : exchange.CreatedAt;
            var status = root.TryGetProperty("status", out var state) && state.ValueKind == JsonValueKind.String ? state.GetString()! : "completed";
            stored = new StoredResponse(id.GetString()!, exchange.Owner, created, exchange.CreatedAt + ttlDays * 86400L, status, exchange.PreviousResponseId,
                response, ResponsesInputItems.Normalize(input)) { NativeProvider = provider };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or RequestFieldException)
        {
            return; // not a Response the proxy can read back, or input it cannot list: the provider's own copy is the only one
        }
        try
        {
            await store.SaveAsync(stored, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCopyLost(logger, stored.Id, e);
        }
    }

    /// <summary>
    /// The stored responses a new one continues, oldest first; a 400 with code <c>previous_response_not_found</c> when
    /// the id, or one it continues, is unknown, deleted, expired or another key's.
    /// </summary>
    public async Task<(List<StoredResponse>? Chain, GatewayError? Error)> ChainAsync(string previousId, string owner, CancellationToken cancellationToken)
    {
        var chain = new List<StoredResponse>();
        long bytes = 0;
        for (var id = previousId; id is not null; id = chain[^1].PreviousResponseId)
        {
            if (bytes > maxConversationBytes)
            {
                return (null, GatewayError.BadRequest(
                    $"The conversation continued by '{ErrorText.Quote(previousId)}' holds more than {maxConversationBytes} bytes (server.maxBodyBytes): start a new one, or compact it.",
                    "previous_response_id", "conversation_too_large"));
            }
            if (chain.Count == MaxChain)
            {
                return (null, GatewayError.BadRequest($"The conversation continued by '{ErrorText.Quote(previousId)}' is longer than {MaxChain} responses.",
                    "previous_response_id"));
            }
            if (await store.FindAsync(id, owner, cancellationToken) is not { } stored)
            {
                return (null, new GatewayError(400, ErrorKind.InvalidRequest, id == previousId
                    ? $"Previous response with id '{ErrorText.Quote(id)}' not found."
                    : $"Previous response with id '{ErrorText.Quote(previousId)}' continues '{ErrorText.Quote(id)}', which was not found (deleted or expired).",
                    "previous_response_not_found", "previous_response_id"));
            }
            if (stored.Status is "queued" or "in_progress")
            {
                // Its output is not there yet: continuing it would silently drop what it is still saying.
                return (null, GatewayError.BadRequest($"Previous response with id '{ErrorText.Quote(id)}' is still {stored.Status}: wait for it to finish, or cancel it.",
                    "previous_response_id", "previous_response_in_progress"));
            }
            bytes += stored.Response.Length + stored.InputItems.Length;
            chain.Add(stored);
        }
        chain.Reverse();
        return (chain, null);
    }

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "response {Id} could not be stored; its client was told in the stream")]
    private static partial void LogSaveFailed(ILogger logger, string id, Exception exception);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "the stored copy of response {Id}, answered natively by its provider, could not be kept")]
    private static partial void LogCopyLost(ILogger logger, string id, Exception exception);

    /// <summary>
    /// Reads a stored response for a route that answers with it, its size taken from the body budget first and given back
    /// when the lease is disposed: <see cref="StoredLease.Busy"/> when no room came within a second (503, as for bodies).
    /// </summary>
    public async Task<StoredLease> ReadAsync(string id, string owner, bool withEvents, CancellationToken cancellationToken)
    {
        if (await store.SizeAsync(id, owner, withEvents, cancellationToken) is not { } size)
        {
            return default;
        }
        if (bodies is not null && !await bodies.TryTakeAsync(size, cancellationToken))
        {
            return new StoredLease(null, null, 0, Busy: BodyBudget.Exhausted(bodies.MaxBytes));
        }
        var lease = new StoredLease(bodies, null, size, null);
        try
        {
            var found = await store.FindAsync(id, owner, cancellationToken);
            var events = withEvents && found is not null ? await store.FindEventsAsync(id, owner, cancellationToken) : null;
            return lease with { Response = found, Events = events };
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether <paramref name="provider"/> holds the whole conversation of <paramref name="history"/> itself (every
    /// response in it was its own native answer), so it may continue it natively; an empty history it holds trivially.
    /// </summary>
    public static bool HeldWholeBy(IReadOnlyList<StoredResponse> history, string provider)
    {
        foreach (var stored in history)
        {
            if (stored.NativeProvider != provider)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>OpenAI's answer for a response id it does not have (or another key's).</summary>
    public static GatewayError NotFound(string id) => new(404, ErrorKind.NotFound, $"Response with id '{ErrorText.Quote(id)}' not found.");
}
