using LlmProxy.Access;

namespace LlmProxy.Tests.Access;

public sealed class RateBucketTests
{
    private static readonly long Second = TimeSpan.TicksPerSecond;

    [Fact]
    public void Fits_FullMinuteOfRequestsAtOnce_TakesExactlyTheLimit()
    {
        var bucket = new RateBucket();
        var taken = 0;
        while (bucket.Fits(60, 1))
        {
            bucket.Add(1);
            taken++;
        }

        Assert.Equal(60, taken);
        Assert.Equal(0, bucket.Remaining(60));
    }

    [Fact]
    public void Drain_AfterABurst_FreesOneRequestPerIntervalNotTheWholeWindow()
    {
        var bucket = new RateBucket();
        bucket.Drain(60, 0);
        bucket.Add(60);

        // A fixed window would let 60 more through right after its edge; GCRA frees one a second at 60 rpm.
        bucket.Drain(60, Second - 1);
        Assert.False(bucket.Fits(60, 1), "one tick before the interval, nothing is free yet");
        bucket.Drain(60, Second);
        Assert.True(bucket.Fits(60, 1));
        Assert.Equal(1, bucket.Remaining(60));
        bucket.Drain(60, 60 * Second);
        Assert.Equal(60, bucket.Remaining(60));
    }

    [Fact]
    public void UntilFits_WhenFull_IsTheTimeOneRequestTakesToDrain()
    {
        var bucket = new RateBucket();
        bucket.Add(120);

        Assert.Equal(TimeSpan.FromSeconds(0.5), bucket.UntilFits(120, 1));
        Assert.Equal(TimeSpan.FromMinutes(1), bucket.UntilEmpty(120));
    }

    [Fact]
    public void Add_NegativeCorrection_GivesBackButNeverBelowEmpty()
    {
        var bucket = new RateBucket();
        bucket.Add(1000);
        bucket.Add(-400);
        Assert.Equal(9_400, bucket.Remaining(10_000));

        bucket.Add(-5000);
        Assert.Equal(10_000, bucket.Remaining(10_000));
        Assert.Equal(TimeSpan.Zero, bucket.UntilEmpty(10_000));
    }

    [Fact]
    public void Drain_ClockSteppedBack_DrainsNothing()
    {
        var bucket = new RateBucket();
        bucket.Drain(60, 100 * Second);
        bucket.Add(60);

        bucket.Drain(60, 50 * Second);

        Assert.Equal(0, bucket.Remaining(60));
    }

    [Fact]
    public void Drain_LargeLimitOverDays_DoesNotOverflow()
    {
        var bucket = new RateBucket();
        bucket.Add(int.MaxValue);
        bucket.Drain(int.MaxValue, TimeSpan.FromDays(3650).Ticks);

        Assert.Equal(int.MaxValue, bucket.Remaining(int.MaxValue));
    }
}
