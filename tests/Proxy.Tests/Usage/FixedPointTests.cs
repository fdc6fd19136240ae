using System.Text;
using LlmProxy.Usage;

namespace LlmProxy.Tests.Usage;

/// <summary>Exact decimal text from whole numbers with implied decimals: costs in 10^-12 USD, latencies in microseconds.</summary>
public sealed class FixedPointTests
{
    [Theory]
    [InlineData("0", 12, "0")]
    [InlineData("1500000", 12, "0.0000015")]
    [InlineData("2000000000000", 12, "2")]
    [InlineData("123456789", 12, "0.000123456789")]
    [InlineData("-1", 3, "-0.001")]
    [InlineData("-2500", 3, "-2.5")]
    [InlineData("812346", 3, "812.346")]
    [InlineData("7", 0, "7")]
    [InlineData("18446744073709551615", 12, "18446744.073709551615")]
    [InlineData("18446744073709551616", 12, "18446744.073709551616")]
    [InlineData("170141183460469231731687303715884105727", 12, "170141183460469231731687303.715884105727")]
    [InlineData("-170141183460469231731687303715884105728", 12, "-170141183460469231731687303.715884105728")]
    public void WriteUtf8_Value_IsExactDecimalTextWithoutTrailingZeros(string value, int decimals, string expected)
    {
        Span<byte> text = stackalloc byte[FixedPoint.MaxUtf8Length];

        var length = FixedPoint.WriteUtf8(Int128.Parse(value), decimals, text);

        Assert.Equal(expected, Encoding.ASCII.GetString(text[..length]));
    }

    [Fact]
    public void WriteUtf8_MoreThan18Decimals_Throws()
    {
        var text = new byte[FixedPoint.MaxUtf8Length];

        Assert.Throws<ArgumentOutOfRangeException>(() => FixedPoint.WriteUtf8(1, 19, text));
    }
}
