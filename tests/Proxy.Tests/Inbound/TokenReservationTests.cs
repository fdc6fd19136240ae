using System.Text;
using LlmProxy.Inbound;

namespace LlmProxy.Tests.Inbound;

public sealed class TokenReservationTests
{
    private static (long Input, long? Output) Estimate(string json) => TokenReservation.Estimate(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("""{"model":"m","max_tokens":300,"messages":[]}""", 300L)] // Anthropic, and Chat's older name
    [InlineData("""{"model":"m","max_completion_tokens":250,"messages":[]}""", 250L)] // Chat
    [InlineData("""{"model":"m","max_output_tokens":200,"input":"x"}""", 200L)] // Responses
    [InlineData("""{"model":"m","messages":[]}""", null)]
    [InlineData("""{"model":"m","metadata":{"max_tokens":999},"messages":[]}""", null)] // only the top level sets a limit
    [InlineData("""{"model":"m","max_tokens":null,"messages":[]}""", null)]
    [InlineData("""{"model":"m","max_tokens":9223372036854775807,"messages":[]}""", 2147483647L)] // capped: no sum it goes into can overflow
    [InlineData("""{"model":"m","max_tokens":1e30,"messages":[]}""", null)] // not a whole number the proxy can read: no limit of its own
    public void Estimate_AnswerLimitAtTheTopLevel_IsTheOutputReserved(string json, long? expected) => Assert.Equal(expected, Estimate(json).Output);

    [Theory]
    [InlineData("""{"model":"m","input":[[1,2,3],[4,5]]}""", 6L)] // embeddings token arrays: 5 ids and "m"
    [InlineData("""{"model":"m","input":[7,8,9,10]}""", 5L)]
    [InlineData("""{"model":"m","prompt":[1,2,3,4,5,6,7,8],"max_tokens":5}""", 9L)] // completions token prompt; max_tokens is no id
    [InlineData("""{"model":"m","dimensions":256,"input":"abcd"}""", 2L)] // numbers outside input are no tokens
    public void Estimate_TokenIds_OneTokenEach(string json, long expected) => Assert.Equal(expected, Estimate(json).Input);

    [Fact]
    public void Estimate_Text_IsAboutFourCharactersPerToken()
    {
        // String values only ("m", "user" and the 400 characters), not the names around them.
        var (input, _) = Estimate($$"""{"model":"m","messages":[{"role":"user","content":"{{new string('a', 400)}}"}]}""");

        Assert.InRange(input, 100, 110);
    }

    [Fact]
    public void Estimate_InlineImage_CostsAFlatImageNotItsBase64Length()
    {
        var base64 = Convert.ToBase64String(new byte[300_000]);

        var (input, _) = Estimate($$$"""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,{{{base64}}}"}}]}]}""");

        Assert.InRange(input, 1_600, 1_650); // 400,000 characters would have been 100,000 tokens
    }

    [Theory]
    [InlineData("""{"type":"image","source":{"type":"base64","media_type":"image/png","data":"BASE64"}}""")] // Anthropic
    [InlineData("""{"inline_data":{"mime_type":"image/png","data":"BASE64"}}""")] // Gemini
    [InlineData("""{"type":"input_file","filename":"a.pdf","file_data":"BASE64"}""")] // Responses
    [InlineData("""{"image":{"format":"png","source":{"bytes":"BASE64"}}}""")] // Bedrock
    public void Estimate_InlineDataField_CostsAFlatFile(string part)
    {
        var json = part.Replace("BASE64", Convert.ToBase64String(new byte[30_000]), StringComparison.Ordinal);

        Assert.InRange(Estimate(json).Input, 1_600, 1_620);
    }

    [Fact]
    public void Estimate_LongTextWithoutSpaces_IsStillText() =>
        // Found by the second new-user run: "abcd" x 6,000 reserved a file's 1,600 tokens instead of its 6,000.
        Assert.Equal(6_000, Estimate($$"""["{{string.Concat(Enumerable.Repeat("abcd", 6_000))}}"]""").Input);

    [Fact]
    public void Estimate_LongTextWithSpaces_IsText()
    {
        var prose = string.Concat(Enumerable.Repeat("word ", 1_000));

        Assert.Equal(1_250, Estimate($$"""["{{prose}}"]""").Input);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("{\"model\":", 0)] // what was read counts as it would have, what was not is text
    [InlineData("{\"content\":\"abcdefgh\",", 3)] // 8 characters read, and the comma left over
    [InlineData("not json at all", 4)]
    [InlineData("[\"\\ud800\"", 2)]
    [InlineData("{\"\\ud800max_completion_tokens\":256}", 1)] // found by the reservation fuzz target: a name that cannot be compared threw; the rest counts as text
    public void Estimate_MalformedBody_CountsTheRestAsTextWithoutThrowing(string body, long expected) =>
        Assert.Equal(expected, TokenReservation.Estimate(Encoding.UTF8.GetBytes(body)).InputTokens);
}
