using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Config;

namespace LlmProxy.Providers.Mock;

/// <summary>
/// The built-in provider that needs no network: it echoes the last user message, word by word, after an optional
/// <c>latencyMs</c> and at an optional <c>tokensPerSecond</c> pace; and it embeds (<see cref="MockEmbeddings"/>). It makes the default config work out of the box
/// and gives load tests an upstream with a known shape.
/// </summary>
internal sealed class MockAdapter : ICanonicalChatProvider, IEmbeddingsProvider
{
    private readonly TimeProvider _time;
    private readonly CancellationToken _shutdown;
    private readonly TimeSpan _latency;
    private readonly TimeSpan _perToken;

    private MockAdapter(ProviderConfig config, TimeProvider time, CancellationToken shutdown)
    {
        Config = config;
        _time = time;
        _shutdown = shutdown;
        _latency = TimeSpan.FromMilliseconds(config.LatencyMs);
        _perToken = config.TokensPerSecond > 0 ? TimeSpan.FromSeconds(1 / config.TokensPerSecond) : TimeSpan.Zero;
    }

    public ProviderConfig Config { get; }

    public static IProviderAdapter Create(ProviderConfig config, ProviderServices services) => new MockAdapter(config, services.Time, services.Shutdown);

    public ProviderRules Rules => ProviderRules.CarriesEverything;

    public async ValueTask<ProviderError?> ChatAsync(ChatRequest request, ProviderTarget target, IStreamEventSink sink, CancellationToken clientAborted)
    {
        // Its waits end at the proxy's shutdown as a real provider call does (UpstreamCall); without waits nothing to cut.
        using var cut = _latency > TimeSpan.Zero || _perToken > TimeSpan.Zero ? CancellationTokenSource.CreateLinkedTokenSource(clientAborted, _shutdown) : null;
        var cancellationToken = cut?.Token ?? clientAborted;
        try
        {
            var answer = Encoding.UTF8.GetBytes(LastUserText(request.Messages));
            sink.Start(new StreamStart("chatcmpl-mock-" + Guid.NewGuid().ToString("N"), target.Model, _time.GetUtcNow().ToUnixTimeSeconds()));
            if (_latency > TimeSpan.Zero)
            {
                await Task.Delay(_latency, _time, cancellationToken).ConfigureAwait(false);
            }
            var words = 0;
            var limit = request.MaxTokens ?? target.MaxTokensDefault ?? int.MaxValue;
            var rest = answer.AsMemory();
            while (!rest.IsEmpty && words < limit)
            {
                // Each word carries the space before it, so the deltas join back into the original text.
                var next = rest.Span[1..].IndexOf((byte)' ');
                var word = next < 0 ? rest : rest[..(next + 1)];
                rest = rest[word.Length..];
                if (words++ > 0 && _perToken > TimeSpan.Zero)
                {
                    await Task.Delay(_perToken, _time, cancellationToken).ConfigureAwait(false);
                }
                sink.TextDelta(word.Span);
                await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            sink.Finish(rest.IsEmpty ? FinishReason.Stop : FinishReason.Length);
            sink.ReportUsage(new TokenUsage(CountWords(request), words));
            await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException)
        {
            return !clientAborted.IsCancellationRequested && _shutdown.IsCancellationRequested ? ProviderError.ShuttingDown : ProviderError.Canceled;
        }
    }

    public ValueTask<ProviderError?> EmbedAsync(EmbeddingsRequest request, ProviderTarget target, IEmbeddingsSink sink, CancellationToken cancellationToken) =>
        MockEmbeddings.EmbedAsync(request, sink, cancellationToken);

    private static string LastUserText(IReadOnlyList<ChatMessage> messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i].Role == ChatRole.User)
            {
                var text = new StringBuilder();
                foreach (var part in messages[i].Parts)
                {
                    text.Append((part as TextPart)?.Text);
                }
                return text.ToString();
            }
        }
        return "";
    }

    // A word count stands in for a tokenizer: the mock only needs usage that grows with the input.
    private static long CountWords(ChatRequest request)
    {
        var count = MockWords.Count(request.System);
        foreach (var message in request.Messages)
        {
            foreach (var part in message.Parts)
            {
                count += MockWords.Count((part as TextPart)?.Text);
            }
        }
        return count;
    }
}
