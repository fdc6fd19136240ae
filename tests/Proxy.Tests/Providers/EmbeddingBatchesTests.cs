using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using LlmProxy.Canonical;
using LlmProxy.Providers;

namespace LlmProxy.Tests.Providers;

/// <summary>
/// The shared splitting of embeddings requests, against a provider that takes at most 100 texts a call (more is its
/// 400) and reports each call's tokens: order, indexes, summed usage, bounded concurrency, and a failed call.
/// </summary>
public sealed class EmbeddingBatchesTests
{
    [Fact]
    public async Task Run_250TextsAt100ACall_ThreeCallsInOrderIndexesKeptUsageSummed()
    {
        var provider = new Provider();
        var sink = new Sink();
        var texts = Enumerable.Range(0, 250).Select(i => $"t{i}").ToArray();

        var error = await RunAsync(provider, texts, sink);

        Assert.Null(error);
        Assert.Equal(Enumerable.Range(0, 250), sink.Indexes);
        Assert.Equal(texts.Select(Provider.Value), sink.FirstValues);
        Assert.Equal([100, 100, 50], provider.CallSizes.Order().Reverse());
        Assert.Equal(250 * 3, sink.InputTokens); // 3 tokens a text, summed over the calls
        Assert.InRange(provider.MostAtOnce, 1, EmbeddingBatches.Concurrency);
    }

    [Fact]
    public async Task Run_ManyCalls_NeverMoreInFlightThanTheBound()
    {
        var provider = new Provider { Delay = TimeSpan.FromMilliseconds(20) };
        var sink = new Sink();

        Assert.Null(await RunAsync(provider, [.. Enumerable.Range(0, 1_000).Select(i => $"t{i}")], sink));

        Assert.Equal(10, provider.CallSizes.Count);
        Assert.Equal(EmbeddingBatches.Concurrency, provider.MostAtOnce);
        Assert.Equal(1_000, sink.Indexes.Count);
    }

    [Fact]
    public async Task Run_ACallRefused_ItsErrorAndNothingWritten()
    {
        var provider = new Provider { Refuse = "t150" };
        var sink = new Sink();

        var error = await RunAsync(provider, [.. Enumerable.Range(0, 250).Select(i => $"t{i}")], sink);

        Assert.Equal(ProviderErrorKind.UpstreamStatus, error!.Kind);
        Assert.Equal(400, error.Status);
        Assert.Empty(sink.Indexes); // a call in flight before the first write was refused: the client gets a clean error
    }

    private static ValueTask<ProviderError?> RunAsync(Provider provider, string[] texts, Sink sink)
    {
        var services = new ProviderServices(new HttpMessageInvoker(provider), TimeProvider.System, NullLoggerFactory.Instance);
        var request = new EmbeddingsRequest([.. texts.Select(t => new EmbeddingInput(t, null))], null, null);
        var target = new ProviderTarget("m", new UpstreamTimeouts(10_000, 10_000, 10_000, 10_000), null);
        return EmbeddingBatches.RunAsync(services, request, target, 100, provider, (start, count) =>
            new HttpRequestMessage(HttpMethod.Post, "http://embed.test/")
            {
                Content = new StringContent(JsonSerializer.Serialize(texts[start..(start + count)])),
            }, Locate, sink, CancellationToken.None);
    }

    // {"vectors":[[...],...],"tokens":N}
    private static ProviderError? Locate(ReadOnlySpan<byte> answer, int expected, List<Range> vectors, out long? inputTokens)
    {
        var reader = new Utf8JsonReader(answer);
        inputTokens = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartArray && reader.CurrentDepth == 2)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                vectors.Add(start..(int)reader.BytesConsumed);
            }
            else if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("tokens"u8))
            {
                reader.Read();
                inputTokens = reader.GetInt64();
            }
        }
        return vectors.Count == expected ? null : ProviderError.Invalid("a short answer");
    }

    private sealed class Provider : HttpMessageHandler, IUpstreamErrorMapper
    {
        private int _atOnce;

        public ConcurrentBag<int> CallSizes { get; } = [];

        public int MostAtOnce;

        public TimeSpan Delay { get; init; }

        public string? Refuse { get; init; }

        public static float Value(string text) => int.Parse(text[1..]) + 0.5f;

        public ProviderError MapErrorResponse(int status, ReadOnlySpan<byte> body, TimeSpan? retryAfter) =>
            new(ProviderErrorKind.UpstreamStatus, Encoding.UTF8.GetString(body)) { Status = status };

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _atOnce);
            InterlockedMax(ref MostAtOnce, now);
            try
            {
                await Task.Delay(Delay, cancellationToken);
                var texts = JsonSerializer.Deserialize<string[]>(await request.Content!.ReadAsStringAsync(cancellationToken))!;
                CallSizes.Add(texts.Length);
                if (texts.Length > 100 || (Refuse is not null && texts.Contains(Refuse)))
                {
                    return new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("at most 100 texts a call") };
                }
                var vectors = string.Join(",", texts.Select(t => $"[{Value(t).ToString(System.Globalization.CultureInfo.InvariantCulture)},0.25]"));
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($$"""{"vectors":[{{vectors}}],"tokens":{{3 * texts.Length}}}""") };
            }
            finally
            {
                Interlocked.Decrement(ref _atOnce);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }

    private sealed class Sink : IEmbeddingsSink
    {
        public List<int> Indexes { get; } = [];

        public List<float> FirstValues { get; } = [];

        public long InputTokens { get; private set; }

        public ValueTask VectorAsync(int index, ReadOnlyMemory<float> values, CancellationToken cancellationToken)
        {
            Indexes.Add(index);
            FirstValues.Add(values.Span[0]);
            return ValueTask.CompletedTask;
        }

        public void ReportUsage(long inputTokens) => InputTokens = inputTokens;
    }
}
