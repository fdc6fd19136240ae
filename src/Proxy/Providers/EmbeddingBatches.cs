using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Config;

namespace LlmProxy.Providers;

/// <summary>
/// The mechanics every translating embeddings provider shares: a request's inputs split into calls of at most
/// <c>perCall</c> inputs (as many as the provider takes in one), up to <see cref="Concurrency"/> calls in flight, and
/// their answers read in the client's order, so each vector is written out as soon as every one before it has been:
/// a later call that answers first waits in its connection, not in the proxy's memory. Each answer is read whole (one
/// call's vectors, bounded by <c>perCall</c>), its vectors found by the provider's <see cref="VectorLocator"/>, and each
/// parsed straight into one pooled float buffer. Usage is summed over the calls; a call that reports none makes the
/// whole usage unknown (the ledger then estimates it, flagged). The first failure cancels the calls still running; one
/// among the first calls is known before anything is written (<see cref="FirstFailureAsync"/>).
/// </summary>
internal static class EmbeddingBatches
{
    /// <summary>Calls in flight at once for one request.</summary>
    public const int Concurrency = 4;

    private const int MaxAnswerBytes = 64 * 1024 * 1024;

    /// <summary>How a provider's embeddings body is written: text as it is (valid JSON), not every non-ASCII character escaped.</summary>
    public static readonly JsonWriterOptions BodyOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The client's 400 naming <c>input</c> when an input is token ids, for a provider that embeds text only; null when all are text.</summary>
    public static ProviderError? TextOnly(EmbeddingsRequest request, ProviderConfig provider)
    {
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            if (request.Inputs[i].Text is null)
            {
                return new ProviderError(ProviderErrorKind.Unsupported,
                    $"input[{i}] is token ids, which provider '{provider.Name}' (type {provider.Type}) does not take: send text.")
                {
                    Status = 400,
                    Param = "input",
                    Code = "unsupported_content",
                };
            }
        }
        return null;
    }

    /// <summary>Notes where the value the reader is before (a vector's array) lies in the answer, and skips it.</summary>
    public static void AddVector(ref Utf8JsonReader reader, List<Range> vectors)
    {
        reader.Read();
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        vectors.Add(start..(int)reader.BytesConsumed);
    }

    /// <summary>
    /// Finds the vectors in one call's answer: for each of its <paramref name="expected"/> inputs, in order, the range of a
    /// JSON array of numbers; and the input tokens it reports (null: none). Null when all were found, else what is wrong.
    /// </summary>
    public delegate ProviderError? VectorLocator(ReadOnlySpan<byte> answer, int expected, List<Range> vectors, out long? inputTokens);

    /// <param name="createCall">The provider's request (URL, auth, body) for the inputs from <c>start</c>, <c>count</c> of them.</param>
    public static async ValueTask<ProviderError?> RunAsync(ProviderServices upstream, EmbeddingsRequest request, ProviderTarget target, int perCall,
        IUpstreamErrorMapper errors, Func<int, int, HttpRequestMessage> createCall, VectorLocator locate, IEmbeddingsSink sink,
        CancellationToken cancellationToken)
    {
        var calls = (request.Inputs.Count + perCall - 1) / perCall;
        var running = new Task<(UpstreamCall Call, ProviderError? Error)>?[calls];
        var messages = new HttpRequestMessage?[calls];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long? inputTokens = 0;
        var vectors = new List<Range>(Math.Min(perCall, request.Inputs.Count));
        float[] values = [];
        try
        {
            for (var k = 0; k < calls; k++)
            {
                for (var next = k; next < Math.Min(calls, k + Concurrency); next++)
                {
                    running[next] ??= Send(next);
                }
                if (k == 0 && await FirstFailureAsync(running, errors) is { } early)
                {
                    return early;
                }
                var (call, error) = await running[k]!.ConfigureAwait(false);
                using (call)
                {
                    if (error is not null || (error = await ReadAsync(call, k)) is not null)
                    {
                        return error;
                    }
                }
            }
            if (inputTokens is { } tokens)
            {
                sink.ReportUsage(tokens);
            }
            return null;
        }
        catch (OperationCanceledException)
        {
            return ProviderError.Canceled;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            foreach (var task in running)
            {
                // Calls started ahead and never read: their connections are given back.
                if (task is null)
                {
                    continue;
                }
                await ((Task)task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (task.IsCompletedSuccessfully)
                {
                    task.Result.Call.Dispose();
                }
            }
            foreach (var message in messages)
            {
                message?.Dispose();
            }
            if (values.Length > 0)
            {
                ArrayPool<float>.Shared.Return(values);
            }
        }

        Task<(UpstreamCall, ProviderError?)> Send(int k)
        {
            var start = k * perCall;
            var message = messages[k] = createCall(start, Math.Min(perCall, request.Inputs.Count - start));
            return UpstreamCall.SendAsync(upstream, message, target.Timeouts, streaming: false, stop.Token);
        }

        async ValueTask<ProviderError?> ReadAsync(UpstreamCall call, int k)
        {
            if (!UpstreamCall.IsSuccess(call.Response!.StatusCode))
            {
                return await call.ReadErrorAsync(errors).ConfigureAwait(false);
            }
            var (answer, length, readError) = await call.ReadWholeBodyAsync(MaxAnswerBytes).ConfigureAwait(false);
            try
            {
                if (readError is not null)
                {
                    return readError;
                }
                var start = k * perCall;
                var expected = Math.Min(perCall, request.Inputs.Count - start);
                vectors.Clear();
                if (locate(answer.AsSpan(0, length), expected, vectors, out var tokens) is { } invalid)
                {
                    return invalid;
                }
                inputTokens = inputTokens is { } sum && tokens is { } more ? sum + more : null;
                for (var i = 0; i < expected; i++)
                {
                    var count = Parse(answer.AsSpan(vectors[i]), ref values);
                    if (count < 0)
                    {
                        return ProviderError.Invalid($"an embedding that is not an array of numbers (input {start + i})");
                    }
                    await sink.VectorAsync(start + i, values.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                }
                return null;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(answer);
            }
        }
    }

    // Before the first vector is written, every call already started has answered its status: a refusal of any of them
    // (most requests need no more calls than run at once) is then the client's clean error, or a reason to try another
    // deployment, instead of a cut after part of the list went out.
    private static async ValueTask<ProviderError?> FirstFailureAsync(Task<(UpstreamCall Call, ProviderError? Error)>?[] running, IUpstreamErrorMapper errors)
    {
        foreach (var task in running)
        {
            if (task is null)
            {
                break;
            }
            var (call, error) = await task.ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }
            if (!UpstreamCall.IsSuccess(call.Response!.StatusCode))
            {
                return await call.ReadErrorAsync(errors).ConfigureAwait(false);
            }
        }
        return null;
    }

    // One vector's JSON array into the pooled buffer (grown as needed); its length, or -1 when it is not an array of numbers.
    private static int Parse(ReadOnlySpan<byte> array, ref float[] values)
    {
        var reader = new Utf8JsonReader(array);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return -1;
            }
            var count = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.Number)
            {
                if (count == values.Length)
                {
                    var larger = ArrayPool<float>.Shared.Rent(Math.Max(1024, count * 2));
                    values.AsSpan().CopyTo(larger);
                    if (values.Length > 0)
                    {
                        ArrayPool<float>.Shared.Return(values);
                    }
                    values = larger;
                }
                if (!reader.TryGetSingle(out values[count++]))
                {
                    return -1;
                }
            }
            return reader.TokenType == JsonTokenType.EndArray ? count : -1;
        }
        catch (JsonException)
        {
            return -1;
        }
    }
}
