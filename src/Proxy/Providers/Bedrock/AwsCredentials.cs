namespace LlmProxy.Providers.Bedrock;

/// <summary>An AWS access key, with the session token temporary credentials (STS, SSO, instance roles) come with.</summary>
internal sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken);
