using System.Collections.Concurrent;

namespace LlmProxy.Providers;

/// <summary>
/// A provider's per-model URLs, made once each. Bounded: a wildcard route lets clients name the models, so past
/// <see cref="MaxEntries"/> a URL is made on each call instead of kept.
/// </summary>
internal sealed class ProviderUrlCache<TKey, TUrl>(Func<TKey, TUrl> make) where TKey : notnull
{
    public const int MaxEntries = 1_024;

    private readonly ConcurrentDictionary<TKey, TUrl> _urls = new();
    private int _count;

    public TUrl Get(TKey key)
    {
        if (_urls.TryGetValue(key, out var url))
        {
            return url;
        }
        url = make(key);
        // Counted before adding, so that racing adds cannot pass the bound; a lost race or a full cache gives the slot back.
        if (Interlocked.Increment(ref _count) > MaxEntries || !_urls.TryAdd(key, url))
        {
            Interlocked.Decrement(ref _count);
        }
        return url;
    }
}
