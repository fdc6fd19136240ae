using LlmProxy.Inbound;

namespace LlmProxy.Tests.Inbound;

public sealed class RecentTextTests
{
    [Fact]
    public void Get_SameValueAgain_ReturnsTheSameStringWithoutFormatting()
    {
        var formatted = 0;
        var texts = new RecentText(value => { formatted++; return $"n{value}"; });

        var first = texts.Get(1_000_000_000);
        var second = texts.Get(1_000_000_000);

        Assert.Equal("n1000000000", first);
        Assert.Same(first, second);
        Assert.Equal(1, formatted);
    }

    [Fact]
    public void Get_ValuesSharingASlot_EachGetsItsOwnText()
    {
        var texts = new RecentText(value => $"n{value}", size: 4);

        // 3, 7 and -1 (as unsigned, 2^64 - 1) all fall in slot 3 of 4: each evicts the other, none is mistaken for it.
        Assert.Equal("n3", texts.Get(3));
        Assert.Equal("n7", texts.Get(7));
        Assert.Equal("n3", texts.Get(3));
        Assert.Equal("n-1", texts.Get(-1));
        Assert.Equal("n7", texts.Get(7));
    }

    [Fact]
    public async Task Get_ManyThreadsAndValues_AlwaysTheValuesText()
    {
        var texts = new RecentText(value => value.ToString(System.Globalization.CultureInfo.InvariantCulture), size: 8);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                var value = (i * 7 + t) % 50;
                Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture), texts.Get(value));
            }
        })));
    }
}
