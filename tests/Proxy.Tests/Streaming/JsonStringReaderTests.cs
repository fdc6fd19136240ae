using System.Text;
using System.Text.Json;
using LlmProxy.Streaming;

namespace LlmProxy.Tests.Streaming;

public sealed class JsonStringReaderTests
{
    [Theory]
    [InlineData("\"plain\"", "plain")]
    [InlineData("\"a\\nb\\t\\\"c\\\\ \\/\"", "a\nb\t\"c\\ /")]
    [InlineData("\"\\u00e9\\ud83d\\ude00\"", "é😀")]
    [InlineData("\"cut \\ud83d\"", "cut \uFFFD")]
    [InlineData("\"\\ude00 reversed \\ude00\\ud83d\"", "\uFFFD reversed \uFFFD\uFFFD")]
    [InlineData("\"\\ud83d\\u0041\"", "\uFFFDA")]
    public void Read_AnyEscapes_GiveValidUtf8WithReplacementForHalfPairs(string json, string expected)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();

        Assert.Equal(expected, Encoding.UTF8.GetString(new JsonStringReader().Read(ref reader)));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'"', 0xC3, 0x28, (byte)'"' }, "\uFFFD(")]
    [InlineData(new byte[] { (byte)'"', (byte)'a', 0xED, 0xA0, 0x80, (byte)'"' }, "a\uFFFD\uFFFD\uFFFD")]
    [InlineData(new byte[] { (byte)'"', 0xFF, (byte)'\\', (byte)'n', (byte)'"' }, "\uFFFD\n")]
    public void Read_InvalidUtf8_GivesReplacementCharacters(byte[] json, string expected)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();

        Assert.Equal(expected, Encoding.UTF8.GetString(new JsonStringReader().Read(ref reader)));
    }

    [Fact]
    public void ReadText_LoneSurrogateInAMessage_IsTextWithAReplacement()
    {
        var reader = new Utf8JsonReader("\"overloaded \\ud800 now\""u8);
        reader.Read();

        Assert.Equal("overloaded \uFFFD now", JsonStringReader.ReadText(ref reader));
    }
}
