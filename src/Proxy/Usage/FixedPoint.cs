using System.Diagnostics;

namespace LlmProxy.Usage;

/// <summary>
/// Whole numbers that stand for decimals (10^-12 USD, microseconds as milliseconds) written as exact decimal text in
/// UTF-8, without a float, a string or a format string in between: every digit kept, trailing zeros of the fraction
/// dropped, no point when there is no fraction (<c>1500000</c> at 12 decimals is <c>0.0000015</c>, <c>2000</c> at 3 is
/// <c>2</c>, <c>-1</c> at 3 is <c>-0.001</c>).
/// </summary>
internal static class FixedPoint
{
    /// <summary>Bytes enough for any <see cref="Int128"/>: a sign, 39 digits and a point.</summary>
    public const int MaxUtf8Length = 41;

    /// <summary>Writes <paramref name="value"/> / 10^<paramref name="decimals"/> (0 to 18) into <paramref name="destination"/> (at least <see cref="MaxUtf8Length"/> bytes); returns the bytes written.</summary>
    public static int WriteUtf8(Int128 value, int decimals, Span<byte> destination)
    {
        var length = 0;
        if (value < 0)
        {
            destination[length++] = (byte)'-';
        }
        // The magnitude as an unsigned number: Int128.MinValue has no positive counterpart.
        var magnitude = value < 0 ? (UInt128)(-(value + 1)) + 1 : (UInt128)value;
        var scale = Pow10(decimals);
        ulong fraction;
        if (magnitude <= ulong.MaxValue)
        {
            var small = (ulong)magnitude;
            fraction = small % scale;
            var written = (small / scale).TryFormat(destination[length..], out var digits);
            Debug.Assert(written, "a destination of MaxUtf8Length bytes holds any value");
            length += digits;
        }
        else
        {
            fraction = (ulong)(magnitude % scale);
            var written = (magnitude / scale).TryFormat(destination[length..], out var digits);
            Debug.Assert(written, "a destination of MaxUtf8Length bytes holds any value");
            length += digits;
        }
        if (fraction == 0)
        {
            return length;
        }
        destination[length++] = (byte)'.';
        var kept = decimals;
        while (fraction % 10 == 0)
        {
            fraction /= 10;
            kept--;
        }
        for (var i = length + kept - 1; i >= length; i--)
        {
            destination[i] = (byte)('0' + fraction % 10);
            fraction /= 10;
        }
        return length + kept;
    }

    private static ulong Pow10(int decimals)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)decimals, 18u, nameof(decimals));
        var scale = 1UL;
        for (var i = 0; i < decimals; i++)
        {
            scale *= 10;
        }
        return scale;
    }
}
