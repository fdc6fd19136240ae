using System.Text;
using LlmProxy.Inbound.OpenAIResponses;

namespace LlmProxy.Tests.Inbound.OpenAIResponses;

/// <summary>The one pass over a Responses body that finds what the proxy owns, and refuses what would bypass ownership.</summary>
public sealed class ResponsesEnvelopeReaderTests
{
    [Fact]
    public void TryRead_StoreBackgroundPrevious_ReadWithOpenAIsDefaults()
    {
        Assert.True(ResponsesEnvelopeReader.TryRead(Encoding.UTF8.GetBytes("""{"model":"m","input":"x"}"""), out var envelope, out var responses, out _));
        Assert.Equal((true, false, null, false), (responses.Store, responses.Background, responses.PreviousResponseId, envelope.Stream));

        Assert.True(ResponsesEnvelopeReader.TryRead(Encoding.UTF8.GetBytes("""{"model":"m","store":false,"background":true,"previous_response_id":"resp_1","stream":true,"input":[]}"""),
            out envelope, out responses, out _));
        Assert.Equal((false, true, "resp_1", true), (responses.Store, responses.Background, responses.PreviousResponseId, envelope.Stream));
    }

    [Theory]
    [InlineData("""{"model":"m","input":[{"role":"user","content":"a"},{"type":"item_reference","id":"msg_other_keys"}]}""", "input[1].type")]
    [InlineData("""{"model":"m","conversation":"conv_123","input":"a"}""", "conversation")]
    [InlineData("""{"model":"m","conversation":{"id":"conv_123"},"input":"a"}""", "conversation")]
    [InlineData("""{"model":"m","store":"yes","input":"a"}""", "store")]
    [InlineData("""{"model":"m","background":1,"input":"a"}""", "background")]
    [InlineData("""{"model":"m","previous_response_id":7,"input":"a"}""", "previous_response_id")]
    [InlineData("""{"model":"m","previous_response_id":"\ud800","input":"a"}""", "previous_response_id")]
    [InlineData("""{"model":"m","store":true,"store":false,"input":"a"}""", "store")]
    public void TryRead_RefusedField_400NamesIt(string json, string param)
    {
        Assert.False(ResponsesEnvelopeReader.TryRead(Encoding.UTF8.GetBytes(json), out _, out _, out var error));

        Assert.Equal((400, param), (error!.Status, error.Param));
    }

    [Fact]
    public void TryRead_ItemReferenceOnlyAsAPartTypeDeeper_NotMistakenForAnItem()
    {
        Assert.True(ResponsesEnvelopeReader.TryRead(
            Encoding.UTF8.GetBytes("""{"model":"m","input":[{"role":"user","content":[{"type":"item_reference"}]}],"tools":[{"type":"item_reference"}]}"""), out _, out _, out _));
    }
}
