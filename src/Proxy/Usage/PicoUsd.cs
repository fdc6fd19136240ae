using System.Globalization;

namespace LlmProxy.Admin;

/// <summary>
/// Costs kept in 10^-12 USD (<see cref="Storage.UsageTotals.CostPicoUsd"/>) written as an exact decimal number of USD:
/// every digit kept, trailing zeros of the fraction dropped (<c>1500000</c> is <c>0.0000015</c>, <c>2000000000000</c> is
/// <c>2</c>). No float or decimal is in between: a sum past 2^96 pico-USD fits neither, and a float would round.
/// </summary>
internal static class PicoUsd
{
    private static readonly Int128 PerUsd = 1_000_000_000_000;

    public static string Format(Int128 pico)
    {
        var negative = pico < 0;
        // The magnitude as an unsigned number: Int128.MinValue has no positive counterpart.
        var magnitude = negative ? (UInt128)(-(pico + 1)) + 1 : (UInt128)pico;
        var whole = magnitude / (UInt128)PerUsd;
        var fraction = (ulong)(magnitude % (UInt128)PerUsd);
        var text = whole.ToString(CultureInfo.InvariantCulture);
        if (fraction != 0)
        {
            text += "." + fraction.ToString("D12", CultureInfo.InvariantCulture).TrimEnd('0');
        }
        return negative ? "-" + text : text;
    }
}
