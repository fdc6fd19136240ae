using LlmProxy.Config;
using LlmProxy.Providers;
using LlmProxy.Routing;

namespace LlmProxy.Tests.Routing;

public sealed class DeploymentOrderTests
{
    private readonly ManualClock _clock = new();

    private ModelRoute Route(string strategy, params int[] weights)
    {
        var deployments = weights.Select((weight, i) => new Deployment(
            new DeploymentConfig($"p{i}", "m", weight, 0, 1, 1, 1, 1, null, null), new StubProvider(), new DeploymentHealth(RoutingDefaults.Default, _clock))).ToArray();
        return new ModelRoute(new ModelConfig("alias", strategy, deployments.Select(d => d.Config).ToArray(), null), deployments, RoutingDefaults.Default);
    }

    private static int[] Order(ModelRoute route, Random? random = null)
    {
        var order = new int[route.Deployments.Count];
        route.Order.Fill(order, random ?? new Random(1));
        return order;
    }

    [Fact]
    public void Ordered_KeepsTheConfiguredOrder() => Assert.Equal([0, 1, 2], Order(Route("ordered", 1, 5, 9)));

    [Fact]
    public void Weighted_FirstPicks_FollowTheWeightsSmoothly()
    {
        var route = Route("weighted", 5, 1, 1);

        var firsts = Enumerable.Range(0, 7).Select(_ => Order(route)[0]).ToList();

        // nginx's smooth weighted round robin for 5:1:1 gives a a b a c a a: spread out, not five in a row.
        Assert.Equal([0, 0, 1, 0, 2, 0, 0], firsts);
    }

    [Fact]
    public void Weighted_ManyPicks_MatchTheWeightsWithinTolerance()
    {
        var route = Route("weighted", 70, 20, 10, 0);

        var counts = new int[4];
        for (var i = 0; i < 10_000; i++)
        {
            counts[Order(route)[0]]++;
        }

        Assert.InRange(counts[0], 6900, 7100);
        Assert.InRange(counts[1], 1900, 2100);
        Assert.InRange(counts[2], 900, 1100);
        Assert.Equal(0, counts[3]); // weight 0: a standby, tried only as a fallback
        Assert.Equal(3, Order(route)[^1]);
    }

    [Fact]
    public void LeastBusy_FewestInFlightFirst()
    {
        var route = Route("least-busy", 1, 1, 1);
        route.Deployments[0].Health.TryAdmit();
        route.Deployments[0].Health.TryAdmit();
        route.Deployments[2].Health.TryAdmit();

        Assert.Equal([1, 2, 0], Order(route));
    }

    [Fact]
    public void Latency_PrefersTheFasterOfTwoAndNeverStarvesTheRest()
    {
        var route = Route("latency", 1, 1, 1);
        foreach (var (index, ms) in new[] { (0, 300), (1, 100), (2, 200) })
        {
            route.Deployments[index].Health.TryAdmit();
            route.Deployments[index].Health.Succeeded(TimeSpan.FromMilliseconds(ms));
        }
        var random = new Random(3);

        var firsts = Enumerable.Range(0, 3000).Select(_ => Order(route, random)[0]).ToList();

        // Power of two choices: the fastest wins most, the slowest can never win (it loses every pair it is in).
        Assert.True(firsts.Count(f => f == 1) > firsts.Count(f => f == 2));
        Assert.DoesNotContain(0, firsts);
        var rest = Order(route, new Random(0))[1..];
        Assert.Equal(rest.OrderBy(i => route.Deployments[i].Health.LatencyMs), rest); // the fallbacks, fastest first
    }

    private sealed class StubProvider : IProviderAdapter
    {
        public ProviderConfig Config { get; } = new("p", "mock", null, null, null, null, null, null, null, 0, 0);
    }
}
