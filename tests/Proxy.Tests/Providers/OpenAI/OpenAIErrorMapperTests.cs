using LlmProxy.Providers;
using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Tests.Providers.OpenAI;

public sealed class OpenAIErrorMapperTests
{
    [Fact]
    public void Map_OpenAIErrorBody_KeepsMessageTypeCodeParam()
    {
        var error = OpenAIErrorMapper.Map(400,
            """{"error":{"message":"Invalid value for 'temperature'.","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}"""u8, null);

        Assert.Equal((ProviderErrorKind.UpstreamStatus, 400), (error.Kind, error.Status));
        Assert.Equal(("Invalid value for 'temperature'.", "invalid_request_error", "temperature", "invalid_value"), (error.Message, error.Type, error.Param, error.Code));
        Assert.False(error.IsRetryable);
    }

    [Fact]
    public void Map_AzureErrorWithNumericCode_KeepsCodeAsText()
    {
        var error = OpenAIErrorMapper.Map(404, """{"error":{"code":404,"message":"The API deployment for this resource does not exist."}}"""u8, null);

        Assert.Equal("404", error.Code);
        Assert.Equal("The API deployment for this resource does not exist.", error.Message);
    }

    [Theory]
    [InlineData(502, "<html><body>Bad Gateway</body></html>", "<html><body>Bad Gateway</body></html>")]
    [InlineData(500, "", "the provider answered HTTP 500 with no message")]
    [InlineData(422, "{\"detail\":\"unprocessable\"}", "{\"detail\":\"unprocessable\"}")]
    public void Map_NonOpenAIBody_KeepsTheText(int status, string body, string message)
    {
        var error = OpenAIErrorMapper.Map(status, System.Text.Encoding.UTF8.GetBytes(body), TimeSpan.FromSeconds(2));

        Assert.Equal(message, error.Message);
        Assert.Equal(TimeSpan.FromSeconds(2), error.RetryAfter);
    }

    [Theory]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(529, true)]
    [InlineData(400, false)]
    [InlineData(404, false)]
    public void IsRetryable_ByStatus(int status, bool retryable) =>
        Assert.Equal(retryable, OpenAIErrorMapper.Map(status, "{}"u8, null).IsRetryable);
}
