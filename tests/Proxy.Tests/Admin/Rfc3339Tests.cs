using LlmProxy.Admin;

namespace LlmProxy.Tests.Admin;

public sealed class Rfc3339Tests
{
    [Theory]
    [InlineData("2026-05-01T12:00:00Z", "2026-05-01T12:00:00.0000000+00:00")]
    [InlineData("2026-05-01t12:00:00z", "2026-05-01T12:00:00.0000000+00:00")]
    [InlineData("2026-05-01T14:00:00+02:00", "2026-05-01T12:00:00.0000000+00:00")]
    [InlineData("2026-05-01T00:30:00-01:30", "2026-05-01T02:00:00.0000000+00:00")]
    [InlineData("2026-05-01T12:00:00.5Z", "2026-05-01T12:00:00.5000000+00:00")]
    [InlineData("2026-05-01T12:00:00.123456789Z", "2026-05-01T12:00:00.1234567+00:00")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.0000000+00:00")]
    public void TryParse_ValidDateTime_IsTheInstantInUtc(string text, string expected)
    {
        Assert.True(Rfc3339.TryParse(text, out var value));
        Assert.Equal(expected, value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2026-05-01")]
    [InlineData("2026-05-01T12:00:00")]
    [InlineData("2026-05-01 12:00:00Z")]
    [InlineData("2026-05-01T12:00Z")]
    [InlineData("2026-05-01T12:00:00.Z")]
    [InlineData("2026-05-01T12:00:00+0200")]
    [InlineData("2026-05-01T12:00:00+24:00")]
    [InlineData("2026-13-01T12:00:00Z")]
    [InlineData("2025-02-29T12:00:00Z")]
    [InlineData("2026-05-01T24:00:00Z")]
    [InlineData("2026-05-01T23:59:60Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("9999-12-31T23:00:00-02:00")]
    [InlineData("２０２６-05-01T12:00:00Z")]
    [InlineData("2026-05-01T12:00:00Z ")]
    public void TryParse_NotAFullRfc3339DateTime_IsRefused(string text)
    {
        Assert.False(Rfc3339.TryParse(text, out _));
    }

    [Fact]
    public void Format_WritesUtcWithZ()
    {
        Assert.Equal("2026-05-01T12:00:00Z", Rfc3339.FromUnixSeconds(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds()));
        Assert.Equal("1970-01-01T00:00:01.250Z", Rfc3339.FromUnixMilliseconds(1250));
    }
}
