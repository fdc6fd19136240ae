using System.Globalization;
using LlmProxy.Providers.Bedrock;

namespace LlmProxy.Tests.Providers.Bedrock;

/// <summary>The signer against AWS's published Signature Version 4 test suite and its S3 worked example, not against itself.</summary>
public sealed class AwsSigV4SignerTests
{
    private static readonly AwsCredentials SuiteCredentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private static readonly DateTimeOffset SuiteTime = DateTimeOffset.Parse("2015-08-30T12:36:00Z", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("get-vanilla", "GET", "/", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("post-vanilla", "POST", "/", "", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    [InlineData("get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")]
    [InlineData("post-vanilla-query", "POST", "/", "Param1=value1", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11")]
    [InlineData("get-utf8", "GET", "/ሴ", "", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")]
    public void Authorization_TestSuiteRequest_MatchesThePublishedSignature(string vector, string method, string path, string query, string signature)
    {
        var headers = new List<KeyValuePair<string, string>> { new("Host", "example.amazonaws.com"), new("X-Amz-Date", "20150830T123600Z") };

        var authorization = AwsSigV4Signer.Authorization(SuiteCredentials, "us-east-1", "service", SuiteTime, method, path, query, headers, []);

        Assert.True(authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + signature,
            $"{vector}: {authorization}");
    }

    [Fact]
    public void Authorization_S3GetObjectExample_MatchesTheDocumentedSignature()
    {
        // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "GET Object": four headers, out of order.
        var headers = new List<KeyValuePair<string, string>>
        {
            new("x-amz-date", "20130524T000000Z"),
            new("Range", "bytes=0-9"),
            new("Host", "examplebucket.s3.amazonaws.com"),
            new("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        };

        var authorization = AwsSigV4Signer.Authorization(new AwsCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null),
            "us-east-1", "s3", DateTimeOffset.Parse("2013-05-24T00:00:00Z", CultureInfo.InvariantCulture), "GET", "/test.txt", "", headers, []);

        Assert.Equal("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", authorization);
    }

    [Fact]
    public void Authorization_BedrockModelIdInPath_IsEncodedTwiceAndChangesTheSignature()
    {
        var headers = new List<KeyValuePair<string, string>> { new("host", "bedrock-runtime.us-east-1.amazonaws.com"), new("x-amz-date", "20150830T123600Z") };

        var encoded = AwsSigV4Signer.Authorization(SuiteCredentials, "us-east-1", "bedrock", SuiteTime, "POST",
            "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse", "", headers, "{}"u8);
        var raw = AwsSigV4Signer.Authorization(SuiteCredentials, "us-east-1", "bedrock", SuiteTime, "POST",
            "/model/anthropic.claude-sonnet-4-5-20250929-v1:0/converse", "", headers, "{}"u8);

        Assert.NotEqual(encoded, raw);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request", encoded);
    }
}
