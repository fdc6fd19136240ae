using System.Text.Json;
using LlmProxy.Streaming;

namespace LlmProxy.Tests.Streaming;

public sealed class JsonFirstElementTests
{
    [Theory]
    [InlineData("""{"a":[{"x":1},{"x":2,"y":[3]},{"x":3}],"b":9}""", 1)]
    [InlineData("""{"a":[{"x":7}],"b":9}""", 7)]
    [InlineData("""{"a":[],"b":9}""", null)]
    [InlineData("""{"a":[5,{"x":1}],"b":9}""", null)]
    [InlineData("""{"a":null,"b":9}""", null)]
    public void TryEnter_ReadsOnlyTheFirstObjectAndLeavesTheReaderAfterTheArray(string json, int? expected)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json));
        reader.Read();
        reader.Read();
        reader.Read();
        int? x = null;

        if (JsonFirstElement.TryEnter(ref reader))
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isX = reader.ValueTextEquals("x"u8);
                reader.Read();
                x = isX ? reader.GetInt32() : x;
                reader.Skip();
            }
            JsonFirstElement.SkipRest(ref reader);
        }

        Assert.Equal(expected, x);
        Assert.True(reader.Read() && reader.ValueTextEquals("b"u8), "the reader continues with the member after the array");
    }
}
