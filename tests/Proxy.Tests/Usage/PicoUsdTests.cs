using LlmProxy.Usage;

namespace LlmProxy.Tests.Usage;

public sealed class PicoUsdTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("1", "0.000000000001")]
    [InlineData("1500000", "0.0000015")]
    [InlineData("2000000000000", "2")]
    [InlineData("2500000000000", "2.5")]
    [InlineData("9223372036854775807", "9223372.036854775807")]
    [InlineData("-1500000000000", "-1.5")]
    [InlineData("170141183460469231731687303715884105727", "170141183460469231731687303.715884105727")]
    [InlineData("-170141183460469231731687303715884105728", "-170141183460469231731687303.715884105728")]
    public void Format_IsExactDecimalUsdWithoutTrailingZeros(string pico, string usd)
    {
        Assert.Equal(usd, PicoUsd.Format(Int128.Parse(pico, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
