using System.Globalization;

namespace LlmProxy.Admin;

/// <summary>
/// RFC 3339 date-times (<c>2026-05-01T12:00:00Z</c>, <c>2026-05-01T14:00:00.250+02:00</c>) as the admin API reads and
/// writes them. Reading is strict: a full date, a time with seconds and an explicit offset (RFC 3339 section 5.6), so
/// a local time whose zone the server would have to guess is refused. Fractions beyond 100 ns are cut, not rounded.
/// Writing is always UTC with <c>Z</c>.
/// </summary>
internal static class Rfc3339
{
    private const string SecondsFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private const string MillisecondsFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        // date-time = full-date "T" partial-time time-offset: 19 characters before the fraction and offset.
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || (text[10] is not ('T' or 't')) || text[13] != ':' || text[16] != ':'
            || !TryDigits(text[..4], out var year) || !TryDigits(text[5..7], out var month) || !TryDigits(text[8..10], out var day)
            || !TryDigits(text[11..13], out var hour) || !TryDigits(text[14..16], out var minute) || !TryDigits(text[17..19], out var second))
        {
            return false;
        }
        var rest = text[19..];
        long ticks = 0;
        if (rest.Length > 0 && rest[0] == '.')
        {
            var digits = 1;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }
            if (digits == 1)
            {
                return false;
            }
            var fraction = rest[1..digits];
            for (var i = 0; i < 7; i++)
            {
                ticks = ticks * 10 + (i < fraction.Length ? fraction[i] - '0' : 0);
            }
            rest = rest[digits..];
        }
        TimeSpan offset;
        if (rest is ['Z'] or ['z'])
        {
            offset = TimeSpan.Zero;
        }
        else if (rest.Length == 6 && rest[0] is '+' or '-' && rest[3] == ':' && TryDigits(rest[1..3], out var offsetHours)
            && TryDigits(rest[4..6], out var offsetMinutes) && offsetHours < 24 && offsetMinutes < 60)
        {
            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            offset = rest[0] == '-' ? -offset : offset;
        }
        else
        {
            return false;
        }
        // A leap second (60) names an instant .NET cannot hold; it is refused rather than moved.
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        var utcTicks = new DateTime(year, month, day, hour, minute, second).Ticks + ticks - offset.Ticks;
        // An offset may push the first or last day of year 1 or 9999 out of what .NET holds.
        if (utcTicks < 0 || utcTicks > DateTime.MaxValue.Ticks)
        {
            return false;
        }
        value = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return true;
    }

    /// <summary>Unix seconds as <c>yyyy-MM-ddTHH:mm:ssZ</c>.</summary>
    public static string FromUnixSeconds(long seconds) =>
        DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString(SecondsFormat, CultureInfo.InvariantCulture);

    /// <summary>Unix milliseconds as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
    public static string FromUnixMilliseconds(long milliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(milliseconds).UtcDateTime.ToString(MillisecondsFormat, CultureInfo.InvariantCulture);

    private static bool TryDigits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return true;
    }
}
