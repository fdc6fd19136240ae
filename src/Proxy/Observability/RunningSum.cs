using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Numerics;

namespace LlmProxy.Observability;

/// <summary>
/// Consecutive additions to one counter's series summed into one <see cref="Counter{T}.Add(T, in TagList)"/>: while the
/// label values are the very objects of the last addition's (aliases, providers and deployments are the config's
/// strings, routes the route table's, classes constants; so a run of requests to one alias shares them), only the sum
/// grows. Another series, or <see cref="Flush"/> at the end of a batch, hands the sum to the counter, and OpenTelemetry
/// looks the label set up once per run instead of once per request. Labels that are equal but not the same objects
/// only make more runs: the counter adds them up as one series either way. One thread's (the observer's).
/// </summary>
internal sealed class RunningSum<T>(Counter<T> counter) where T : struct, INumber<T>
{
    private TagList _tags;
    private T _sum;
    private bool _pending;

    public void Add(T value, in TagList tags)
    {
        if (_pending && SameObjects(_tags, tags))
        {
            _sum += value;
            return;
        }
        Flush();
        _tags = tags;
        _sum = value;
        _pending = true;
    }

    /// <summary>Hands the running sum, if any, to the counter.</summary>
    public void Flush()
    {
        if (_pending)
        {
            counter.Add(_sum, _tags);
            _pending = false;
            _tags = default; // no label string held past the batch
        }
    }

    private static bool SameObjects(in TagList last, in TagList next)
    {
        if (last.Count != next.Count)
        {
            return false;
        }
        for (var i = 0; i < last.Count; i++)
        {
            if (!ReferenceEquals(last[i].Key, next[i].Key) || !ReferenceEquals(last[i].Value, next[i].Value))
            {
                return false;
            }
        }
        return true;
    }
}
