using System.Text;

namespace LlmProxy.Usage;

/// <summary>
/// Costs kept in 10^-12 USD (<see cref="Storage.UsageTotals.CostPicoUsd"/>) written as an exact decimal number of USD:
/// every digit kept, trailing zeros of the fraction dropped (<c>1500000</c> is <c>0.0000015</c>, <c>2000000000000</c> is
/// <c>2</c>). No float or decimal is in between: a sum past 2^96 pico-USD fits neither, and a float would round.
/// </summary>
internal static class PicoUsd
{
    /// <summary>10^-12 USD in a dollar.</summary>
    public const long PerUsd = 1_000_000_000_000;

    /// <summary>The decimals of a dollar an amount keeps: <see cref="PerUsd"/> is 10 to this power.</summary>
    public const int Decimals = 12;

    /// <summary>An amount of USD (a budget: at most 6 decimals, at most 10^12) in 10^-12 USD, exactly.</summary>
    public static Int128 FromUsd(decimal usd) => (Int128)(usd * PerUsd);

    public static string Format(Int128 pico)
    {
        Span<byte> text = stackalloc byte[FixedPoint.MaxUtf8Length];
        return Encoding.ASCII.GetString(text[..FixedPoint.WriteUtf8(pico, Decimals, text)]);
    }
}
