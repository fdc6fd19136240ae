using LlmProxy.Config;

namespace LlmProxy.Tests.Config;

/// <summary>The <c>telemetry</c> section: off unless an endpoint is given, every bad value refused in one line naming its field.</summary>
public sealed class TelemetryConfigTests
{
    private const string Minimal = """
        "providers": { "m": { "type": "mock" } }, "models": { "echo": [ { "provider": "m", "model": "echo" } ] }
        """;

    [Fact]
    public void Parse_NoTelemetrySection_TracingOff()
    {
        Assert.Null(Parse($"{{ {Minimal} }}").Telemetry);
    }

    [Theory]
    [InlineData("""{ }""")]
    [InlineData("""{ "otlpEndpoint": null }""")]
    [InlineData("""{ "otlpEndpoint": "${OTLP_ENDPOINT:-}", "sampleRatio": 0.5 }""")]
    public void Parse_SectionWithoutEndpoint_TracingOff(string section)
    {
        Assert.Null(Parse($$"""{ {{Minimal}}, "telemetry": {{section}} }""").Telemetry);
    }

    [Fact]
    public void Parse_EndpointOnly_DocumentedDefaults()
    {
        var telemetry = Parse($$"""{ {{Minimal}}, "telemetry": { "otlpEndpoint": "http://127.0.0.1:4318" } }""").Telemetry!;

        Assert.Equal((new Uri("http://127.0.0.1:4318"), "http/protobuf", "llm-proxy", 1.0, true),
            (telemetry.OtlpEndpoint, telemetry.OtlpProtocol, telemetry.ServiceName, telemetry.SampleRatio, telemetry.PropagateContext));
        Assert.Equal(new Uri("http://127.0.0.1:4318/v1/traces"), telemetry.TracesEndpoint);
    }

    [Fact]
    public void Parse_EveryField_ReadAsGiven()
    {
        var telemetry = Parse($$"""
            { {{Minimal}}, "telemetry": { "otlpEndpoint": "https://otel.example.com:4317", "otlpProtocol": "grpc", "serviceName": "gateway-eu",
              "sampleRatio": 0.25, "propagateContext": false } }
            """).Telemetry!;

        Assert.Equal(("grpc", "gateway-eu", 0.25, false), (telemetry.OtlpProtocol, telemetry.ServiceName, telemetry.SampleRatio, telemetry.PropagateContext));
        Assert.Equal(new Uri("https://otel.example.com:4317"), telemetry.TracesEndpoint); // gRPC takes the URL as it is
    }

    [Theory]
    [InlineData("http://collector:4318/", "http://collector:4318/v1/traces")]
    [InlineData("http://collector:4318/otlp", "http://collector:4318/otlp/v1/traces")]
    public void TracesEndpoint_HttpProtobufBaseWithOrWithoutPath_SignalPathAppendedOnce(string endpoint, string expected)
    {
        var telemetry = Parse($$"""{ {{Minimal}}, "telemetry": { "otlpEndpoint": "{{endpoint}}" } }""").Telemetry!;

        Assert.Equal(new Uri(expected), telemetry.TracesEndpoint);
    }

    [Fact]
    public void Parse_EndpointFromEnvironment_Expanded()
    {
        var config = ConfigLoader.Parse($$"""{ {{Minimal}}, "telemetry": { "otlpEndpoint": "${OTLP}" } }""", "proxy.json",
            new EnvironmentExpander(name => name == "OTLP" ? "http://10.0.0.5:4318" : null));

        Assert.Equal(new Uri("http://10.0.0.5:4318"), config.Telemetry!.OtlpEndpoint);
    }

    [Theory]
    [InlineData("""[]""", "telemetry: must be an object, not an array")]
    [InlineData("""{ "otlpEndpoint": 4318 }""", "telemetry.otlpEndpoint: must be a string, not a number")]
    [InlineData("""{ "otlpEndpoint": "collector:4318/v1" }""", "telemetry.otlpEndpoint: 'collector:4318/v1' is not an absolute http(s) URL")]
    [InlineData("""{ "otlpEndpoint": "/v1/traces" }""", "telemetry.otlpEndpoint: '/v1/traces' is not an absolute http(s) URL")]
    [InlineData("""{ "otlpEndpoint": "ftp://collector:4318" }""", "telemetry.otlpEndpoint: 'ftp://collector:4318' is not an absolute http(s) URL")]
    [InlineData("""{ "otlpEndpoint": "http://collector:4318?token=x" }""", "telemetry.otlpEndpoint: must have no query or fragment")]
    [InlineData("""{ "otlpEndpoint": "${UNSET_OTLP}" }""", "telemetry.otlpEndpoint: environment variable UNSET_OTLP is not set")]
    [InlineData("""{ "otlpEndpoint": "http://c:4318", "otlpProtocol": "http/json" }""", "telemetry.otlpProtocol: unknown protocol 'http/json' (expected one of: http/protobuf, grpc)")]
    [InlineData("""{ "otlpEndpoint": "http://c:4318", "otlpProtocol": true }""", "telemetry.otlpProtocol: must be a string, not a boolean")]
    [InlineData("""{ "otlpEndpoint": "http://c:4318", "serviceName": "" }""", "telemetry.serviceName: must not be empty")]
    [InlineData("""{ "otlpEndpoint": "http://c:4318", "serviceName": 7 }""", "telemetry.serviceName: must be a string, not a number")]
    [InlineData("""{ "otlpEndpoint": "http://c:4318", "sampleRatio": 1.5 }""", "telemetry.sampleRatio: must be from 0 to 1")]
    [InlineData("""{ "otlpEndpoint": "http://c:4318", "sampleRatio": -0.1 }""", "telemetry.sampleRatio: must be at least 0")]
    [InlineData("""{ "otlpEndpoint": "http://c:4318", "sampleRatio": "half" }""", "telemetry.sampleRatio: must be a number, not a string")]
    [InlineData("""{ "otlpEndpoint": "http://c:4318", "propagateContext": "yes" }""", "telemetry.propagateContext: must be true or false, not a string")]
    [InlineData("""{ "otlpEndpoint": "http://c:4318", "otlpHeaders": {} }""", "telemetry.otlpHeaders: unknown field")]
    [InlineData("""{ "otlpEndpiont": "http://c:4318" }""", "telemetry.otlpEndpiont: unknown field")]
    [InlineData("""{ "sampleRatio": 2 }""", "telemetry.sampleRatio: must be from 0 to 1")]
    public void Parse_InvalidTelemetry_NamesTheField(string section, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Parse($$"""{ {{Minimal}}, "telemetry": {{section}} }"""));

        Assert.StartsWith(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static ProxyConfig Parse(string json) => ConfigLoader.Parse(json, "proxy.json", new EnvironmentExpander(_ => null));
}
