namespace LlmProxy.Routing;

/// <summary>
/// The order a request tries a route's deployments in, by the route's strategy: <c>ordered</c> (as configured),
/// <c>weighted</c> (smooth weighted round robin for the first, then by weight; weight 0 is a standby), <c>least-busy</c>
/// (fewest requests in flight first) and <c>latency</c> (power of two choices on the time-to-first-byte average, the
/// rest fastest first). Fills an index array without allocating; the weighted state is shared under a lock.
/// </summary>
internal sealed class DeploymentOrder(ModelRoute route)
{
    private readonly Lock _lock = new();
    private readonly int[] _current = new int[route.Deployments.Count];

    public void Fill(Span<int> order, Random random)
    {
        var deployments = route.Deployments;
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        switch (route.Config.Strategy)
        {
            case "weighted":
                SortBy(order, deployments, static d => -d.Config.Weight);
                MoveToFront(order, PickWeighted());
                break;
            case "least-busy":
                SortBy(order, deployments, static d => d.Health.InFlight);
                break;
            case "latency":
                SortBy(order, deployments, static d => d.Health.LatencyMs);
                if (order.Length >= 2)
                {
                    // Two random candidates, the faster first: spreads load yet prefers the fast, and tries new ones (average 0).
                    var a = random.Next(order.Length);
                    var b = (a + 1 + random.Next(order.Length - 1)) % order.Length;
                    MoveToFront(order, deployments[a].Health.LatencyMs <= deployments[b].Health.LatencyMs ? a : b);
                }
                break;
        }
    }

    // nginx's smooth weighted round robin: every deployment gains its weight, the richest is picked and pays the total.
    private int PickWeighted()
    {
        var deployments = route.Deployments;
        lock (_lock)
        {
            int total = 0, best = 0;
            for (var i = 0; i < _current.Length; i++)
            {
                var weight = deployments[i].Config.Weight;
                _current[i] += weight;
                total += weight;
                if (_current[i] > _current[best])
                {
                    best = i;
                }
            }
            _current[best] -= total;
            return best;
        }
    }

    private static void MoveToFront(Span<int> order, int index)
    {
        var at = order.IndexOf(index);
        for (var i = at; i > 0; i--)
        {
            order[i] = order[i - 1];
        }
        order[0] = index;
    }

    // Stable insertion sort: routes have a handful of deployments, and ties keep the configured order.
    private static void SortBy(Span<int> order, IReadOnlyList<Deployment> deployments, Func<Deployment, double> key)
    {
        for (var i = 1; i < order.Length; i++)
        {
            var item = order[i];
            var itemKey = key(deployments[item]);
            var j = i - 1;
            while (j >= 0 && key(deployments[order[j]]) > itemKey)
            {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = item;
        }
    }
}
