using System.Text;
using LlmProxy.Admin;

namespace LlmProxy.Tests.Admin;

public sealed class UsageCsvTests
{
    [Theory]
    [InlineData(null, "")]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\r\nlines", "\"two\r\nlines\"")]
    [InlineData("line\nfeed", "\"line\nfeed\"")]
    public void AppendField_QuotesPerRfc4180(string? value, string expected)
    {
        Assert.Equal(expected, UsageCsv.AppendField(new StringBuilder(), value).ToString());
    }
}
